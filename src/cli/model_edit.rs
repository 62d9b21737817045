//! `kam model edit`: the team's model in `$VISUAL`/`$EDITOR`, then the dry
//! run (who moves), a confirmation, and the apply — each step an ordinary
//! book command, so it works through the server and with `--no-server`.
//!
//! As `crontab -e`: a TOML mistake reopens the editor with the error as a
//! comment at the top; leaving the file unchanged gives up. The answer to
//! "Apply?" is read from standard input (not /dev/tty), so a script or a
//! test answers with `echo y |`; end of input or an empty answer is no.

use super::editor::{TempFile, run_editor};
use super::{Context, book_command};
use crate::commands::{CmdResult, Command, CommandError, ModelCommand};
use crate::segment::Model;
use std::io::{BufRead, Write};

/// Marks the lines kam adds to report a mistake (removed before reading).
const ERROR_MARK: &str = "# kam: ";

pub fn model_edit(ctx: &Context, out: &mut dyn Write) -> CmdResult {
    let mut shown = Vec::new();
    book_command(ctx, Command::Model(ModelCommand::Show), &mut shown)?;
    let original = String::from_utf8_lossy(&shown).into_owned();
    let file = TempFile::new("model", "toml", &original)?;
    // What the file held when the editor last opened (to tell "gave up").
    let mut before = original.clone();
    loop {
        run_editor(&file.path)?;
        let edited = file.read()?;
        let text = without_marks(&edited);
        if text == without_marks(&before) {
            if before == original {
                writeln!(out, "model unchanged: nothing applied")?;
                return Ok(());
            }
            // Reopened with an error and closed without a change: give up.
            return Err(CommandError::invalid(
                "the model still has the error above; nothing applied",
            ));
        }
        match Model::from_toml(&text) {
            Ok(_) => {
                file.write(&text)?;
                break;
            }
            Err(e) => {
                eprintln!("kam: the model has a mistake: {e}");
                let marked = format!("{}{text}", error_comment(&e.to_string()));
                file.write(&marked)?;
                before = marked;
            }
        }
    }
    let file_cmd = |dry_run| {
        Command::Model(ModelCommand::Apply {
            file: file.path.clone(),
            dry_run,
        })
    };
    book_command(ctx, file_cmd(true), out)?;
    // The question goes to stderr: stdout keeps the preview and the
    // result for a script to read.
    out.flush()?;
    eprint!("Apply this model? [y/N] ");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        writeln!(out, "nothing applied")?;
        return Ok(());
    }
    book_command(ctx, file_cmd(false), out)
}

/// The error as comment lines to put above the TOML.
fn error_comment(error: &str) -> String {
    let mut s = format!("{ERROR_MARK}this model was not applied:\n");
    for line in error.lines() {
        s.push_str(&format!("{ERROR_MARK}{line}\n"));
    }
    s.push_str(&format!(
        "{ERROR_MARK}(line numbers count from the line below these comments)\n\
         {ERROR_MARK}fix it and save, or quit without saving to give up\n"
    ));
    s
}

fn without_marks(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with(ERROR_MARK))
        .map(|l| format!("{l}\n"))
        .collect()
}
