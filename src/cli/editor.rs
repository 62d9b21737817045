//! `$VISUAL` / `$EDITOR` for text the command line did not get: the
//! message of `kam note`, `touch`, `complaint` and `followup add` when `-m`
//! is missing and a person sits at the terminal, and `kam model edit`.
//! The editor itself is `commands::editor` (the TUI uses it too).

use super::args::{Command, FollowUpCommand};
pub use crate::commands::editor::{TempFile, run_editor};
use crate::commands::{CmdResult, CommandError, ErrorKind};
use std::io::IsTerminal;

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
        Command::Resolve { key, message, .. } => (
            message,
            true,
            format!("How the complaint of {key} was resolved."),
        ),
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
