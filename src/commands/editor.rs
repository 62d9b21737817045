//! `$VISUAL` / `$EDITOR` on a private temporary file: shared by the CLI
//! (messages, `kam model edit`) and the TUI (Ctrl-E in a multi-line form
//! field), which cannot import the CLI.

use super::{CmdResult, CommandError};
use std::path::{Path, PathBuf};

/// The editor command: `$VISUAL`, else `$EDITOR`, else `vi`. It may carry
/// arguments (`code --wait`), so it is run by the shell.
pub fn editor() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".into())
}

/// Runs the editor on `path` and waits for it.
pub fn run_editor(path: &Path) -> CmdResult {
    run_editor_with(&editor(), path)
}

/// Runs the editor command `cmd` on `path` and waits for it.
pub fn run_editor_with(cmd: &str, path: &Path) -> CmdResult {
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

/// `text` edited in the editor and read back. One trailing newline (which
/// editors add) is dropped; everything else is the user's.
pub fn edit_text(what: &str, text: &str) -> Result<String, CommandError> {
    edit_text_with(&editor(), what, text)
}

/// `edit_text` with the editor command given (tests; no environment).
pub fn edit_text_with(cmd: &str, what: &str, text: &str) -> Result<String, CommandError> {
    let file = TempFile::new(what, "txt", text)?;
    run_editor_with(cmd, &file.path)?;
    let mut out = file.read()?;
    if out.ends_with('\n') {
        out.pop();
        if out.ends_with('\r') {
            out.pop();
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_text_runs_the_editor_and_reads_the_file_back() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("ed.sh");
        // A real editor stand-in: rewrites the file it is given.
        std::fs::write(
            &script,
            "#!/bin/sh\nsed 's/draft/final/' \"$1\" > \"$1.new\" && mv \"$1.new\" \"$1\"\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let got = edit_text_with(&script.display().to_string(), "note", "a draft\nline two");
        assert_eq!(got.unwrap(), "a final\nline two");
    }
}
