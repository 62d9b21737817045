//! Where a command's input comes from and its output goes: this process's
//! files and stdout, or (in the server) the client's.

use super::output::{Output, Progress, ProgressView};
use crate::book::RequestId;
use crate::transfer::export::write_atomically;
use std::io::{Read, Write};
use std::path::Path;

/// Where a command reads its input files and writes its output.
pub trait CmdEnv {
    /// Standard output of the command.
    fn out(&mut self) -> &mut dyn Write;
    /// The whole content of an input file named on the command line.
    fn read_file(&mut self, path: &Path) -> std::io::Result<Vec<u8>>;
    /// An input file named on the command line, to be read as it is used
    /// (an import's: 100 MB at a million rows), and its size in bytes.
    fn open_file(&mut self, path: &Path) -> std::io::Result<(Box<dyn Read>, u64)> {
        Ok(in_memory(self.read_file(path)?))
    }
    /// Writes an output file named on the command line, all or nothing.
    fn write_file(
        &mut self,
        path: &Path,
        fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()>;
    /// Sends a large output (a backup) to standard output from `file`,
    /// from its start, in pieces: never whole in memory. In the server it
    /// goes to the client after the command has released the book.
    fn send_file(&mut self, file: std::fs::File) -> std::io::Result<()>;
    /// A step of a long command (shown as a bar on the client's terminal,
    /// else dropped). Report through an `output::Ticker`.
    fn progress(&mut self, _step: Progress) {}
    /// A remark for the user's stderr, not part of the output (a filter
    /// that matches nothing).
    fn warn(&mut self, _message: &str) {}
    /// The client's terminal width and colour wishes.
    fn output(&self) -> Output {
        Output::default()
    }
    /// The client's id for this command: a write resent after a lost
    /// connection is then applied once (`Book::execute`).
    fn request(&self) -> Option<RequestId> {
        None
    }
}

/// The process's own stdout and files.
pub struct LocalEnv<'a> {
    pub out: &'a mut dyn Write,
    output: Output,
    view: ProgressView,
}

impl<'a> LocalEnv<'a> {
    /// Plain output, progress on a terminal's stderr.
    pub fn new(out: &'a mut dyn Write) -> LocalEnv<'a> {
        LocalEnv::with(out, Output::default(), false)
    }

    pub fn with(out: &'a mut dyn Write, output: Output, quiet: bool) -> LocalEnv<'a> {
        LocalEnv {
            out,
            output,
            view: ProgressView::stderr(quiet),
        }
    }
}

impl CmdEnv for LocalEnv<'_> {
    fn out(&mut self) -> &mut dyn Write {
        self.out
    }

    fn read_file(&mut self, path: &Path) -> std::io::Result<Vec<u8>> {
        read_input(path)
    }

    fn open_file(&mut self, path: &Path) -> std::io::Result<(Box<dyn Read>, u64)> {
        if path.as_os_str() == "-" {
            return Ok(in_memory(read_input(path)?));
        }
        let file = std::fs::File::open(path)?;
        let len = file.metadata()?.len();
        Ok((Box::new(file), len))
    }

    fn write_file(
        &mut self,
        path: &Path,
        fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        write_atomically(path, fill)
    }

    fn send_file(&mut self, mut file: std::fs::File) -> std::io::Result<()> {
        use std::io::Seek;
        file.seek(std::io::SeekFrom::Start(0))?;
        std::io::copy(&mut file, self.out)?;
        Ok(())
    }

    fn progress(&mut self, step: Progress) {
        self.view.show(&step);
        if step.done >= step.total {
            self.view.finish();
        }
    }

    fn warn(&mut self, message: &str) {
        self.view.finish();
        eprintln!("kam: {message}");
    }

    fn output(&self) -> Output {
        self.output
    }
}

/// An input file's bytes as `CmdEnv::open_file` hands them over.
pub fn in_memory(bytes: Vec<u8>) -> (Box<dyn Read>, u64) {
    let len = bytes.len() as u64;
    (Box::new(std::io::Cursor::new(bytes)), len)
}

/// The content of an input file named on the command line; `-` is
/// standard input (read by the client: a server never reads its stdin).
pub fn read_input(path: &Path) -> std::io::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)?;
        return Ok(bytes);
    }
    std::fs::read(path)
}
