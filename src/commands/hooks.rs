//! `kam hooks set|list|rm`: the commands the team server runs on a tier
//! change, a complaint or a receivable falling overdue (see
//! `server::hooks`). Set through the book: audited and undoable.

use super::{CmdEnv, CmdResult, CommandError};
use crate::book::{Book, WriteOp};
use crate::domain::hooks::{HookName, show_argv, split_argv};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum HooksCommand {
    /// `command`: the argument vector, or one string split like a shell's
    /// quoting (never run through a shell).
    Set {
        name: String,
        command: Vec<String>,
    },
    List {
        json: bool,
    },
    Rm {
        name: String,
    },
}

fn hook_name(name: &str) -> Result<HookName, CommandError> {
    HookName::parse(name).ok_or_else(|| {
        CommandError::invalid(format!("'{name}' is not a hook ({})", HookName::names()))
    })
}

pub fn execute(action: HooksCommand, book: &mut Book, env: &mut dyn CmdEnv) -> CmdResult {
    match action {
        HooksCommand::Set { name, command } => {
            let name = hook_name(&name)?;
            let argv = match command.as_slice() {
                [one] => {
                    split_argv(one).map_err(|e| CommandError::invalid(format!("command: {e}")))?
                }
                [] => return Err(CommandError::invalid("command: no command given")),
                many => many.to_vec(),
            };
            book.execute(
                WriteOp::SetHook {
                    name,
                    argv: argv.clone(),
                },
                env.request(),
            )?;
            writeln!(env.out(), "{name}: {}", show_argv(&argv))?;
            Ok(())
        }
        HooksCommand::Rm { name } => {
            let name = hook_name(&name)?;
            if book.hooks()?.get(name).is_none() && !book.seen_request(env.request())? {
                return Err(CommandError::invalid(format!("{name} is not set")));
            }
            book.execute(
                WriteOp::SetHook {
                    name,
                    argv: Vec::new(),
                },
                env.request(),
            )?;
            writeln!(env.out(), "{name}: removed")?;
            Ok(())
        }
        HooksCommand::List { json } => {
            let hooks = book.hooks()?;
            if json {
                let v: serde_json::Map<String, serde_json::Value> = hooks
                    .0
                    .iter()
                    .map(|(k, v)| (k.as_str().to_string(), serde_json::json!(v)))
                    .collect();
                writeln!(env.out(), "{:#}", serde_json::Value::Object(v))?;
            } else if hooks.0.is_empty() {
                writeln!(env.out(), "no hooks set ({})", HookName::names())?;
            } else {
                for (k, v) in &hooks.0 {
                    writeln!(env.out(), "{k}: {}", show_argv(v))?;
                }
            }
            Ok(())
        }
    }
}
