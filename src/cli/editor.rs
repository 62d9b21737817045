//! `$VISUAL` / `$EDITOR` for text the command line did not get: the
//! message of `kam note`, `touch`, `complaint` and `followup add` when `-m`
//! is missing and a person sits at the terminal, and `kam model edit`.

use super::args::{Command, FollowUpCommand};
use crate::commands::{CmdResult, CommandError, ErrorKind};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The editor command: `$VISUAL`, else `$EDITOR`, else `vi`. It may carry
/// arguments (`code --wait`), so it is run by the shell.
fn editor() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".into())
}

/// Runs the editor on `path` and waits for it.
pub fn run_editor(path: &Path) -> CmdResult {
    let cmd = editor();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{cmd} \"$@\""))
        .arg("sh")
        .arg(path)
        .status()
        .map_err(|e| CommandError::failed(format!("cannot start the editor '{cmd}': {e}")))?;
    if !status.success() {
        return Err(CommandError::failed(format!(
            "the editor '{cmd}' failed ({status}); nothing changed"
        )));
    }
    Ok(())
}

/// A private temporary file, removed when dropped.
pub struct TempFile {
    pub path: PathBuf,
}

impl TempFile {
    /// A new file holding `text`, readable by this user only (a note may be
    /// confidential), named `kam-<what>-<pid>-<n>.<ext>` so the editor
    /// picks its syntax from the extension.
    pub fn new(what: &str, ext: &str, text: &str) -> Result<TempFile, CommandError> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let dir = std::env::temp_dir();
        for n in 0..100u32 {
            let path = dir.join(format!("kam-{what}-{}-{n}.{ext}", std::process::id()));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
            {
                Ok(mut f) => {
                    f.write_all(text.as_bytes())?;
                    return Ok(TempFile { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CommandError::failed("cannot create a temporary file"))
    }

    pub fn read(&self) -> Result<String, CommandError> {
        let bytes = std::fs::read(&self.path)?;
        String::from_utf8(bytes)
            .map_err(|_| CommandError::invalid(format!("{}: not UTF-8 text", self.path.display())))
    }

    pub fn write(&self, text: &str) -> CmdResult {
        Ok(std::fs::write(&self.path, text)?)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Lines starting with `#` are instructions, not part of the message.
fn strip_comments(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Asks for `what` in the editor; an empty message aborts.
fn edit_message(what: &str) -> Result<String, CommandError> {
    let template =
        format!("\n# {what}\n# Lines starting with '#' are ignored; an empty message aborts.\n");
    let file = TempFile::new("message", "txt", &template)?;
    run_editor(&file.path)?;
    let text = strip_comments(&file.read()?);
    if text.is_empty() {
        return Err(CommandError::new(
            ErrorKind::Usage,
            "empty message: nothing written",
        ));
    }
    Ok(text)
}

/// Fills in a missing `-m`: from the editor when a person is at the
/// terminal; without one, a required message is a usage error and an
/// optional one (order, payment summary) stays empty.
pub fn ask_missing_message(cmd: &mut Command) -> CmdResult {
    let touch = matches!(cmd, Command::Touch { .. });
    // (slot, required, what to write)
    let (slot, required, what) = match cmd {
        Command::Touch { key, message, .. } => {
            (message, true, format!("What was said with {key}?"))
        }
        Command::Note { key, message } => (message, true, format!("The note on {key}.")),
        Command::Complaint { key, message } => {
            (message, true, format!("The complaint from {key}."))
        }
        Command::FollowUp {
            action: FollowUpCommand::Add { key, message, .. },
        } => (
            message,
            true,
            format!("The follow-up on {key}: what to do."),
        ),
        Command::Order { message, .. } | Command::Payment { message, .. } => {
            (message, false, String::new())
        }
        _ => return Ok(()),
    };
    if slot.is_some() {
        return Ok(());
    }
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if terminal && required {
        *slot = Some(edit_message(&what)?);
    } else if required && !touch {
        return Err(CommandError::new(
            ErrorKind::Usage,
            "-m TEXT is required (without a terminal there is no editor to ask)",
        ));
    }
    Ok(())
}
