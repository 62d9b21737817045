//! A parsed command line turned into what runs it: a `commands::Command`
//! for the book (through the server or in-process), or a `LocalCommand`
//! the CLI runs itself.

use super::args::*;
use crate::commands;
use std::path::PathBuf;

/// The commands the CLI runs itself, without a book.
#[derive(Debug)]
pub enum LocalCommand {
    Keymap(KeymapCommand),
    Completions(clap_complete::Shell),
    Man,
    /// `kam model edit`: an editor session around book commands.
    ModelEdit,
    /// A backup: the book command `Backup` to FILE (or `-`: stdout).
    Backup(PathBuf),
    Restore(PathBuf),
    Serve,
    Server(ServerCommand),
    /// `kam views`: personal views are this process's config file.
    Views(ViewsCommand),
}

impl Command {
    /// The book command this command line asks for, or the command the CLI
    /// runs itself.
    pub fn into_book_command(self) -> Result<commands::Command, LocalCommand> {
        use commands::Command as C;
        Ok(match self {
            Command::Demo(a) => C::Demo {
                accounts: a.accounts,
                interactions: a.interactions,
                seed: a.seed,
            },
            Command::Import {
                kind,
                file,
                dry_run,
                read,
            } => C::Import {
                kind,
                file,
                dry_run,
                options: crate::transfer::decode::ReadOptions {
                    encoding: read.encoding,
                    delimiter: read.delimiter,
                    map: read.map,
                    skip_unknown: read.skip_unknown,
                },
            },
            Command::Export {
                kind,
                format,
                output,
            } => C::Export {
                kind,
                format,
                // `-o -` is standard output, as if no file were named.
                output: output.filter(|p| p.as_os_str() != "-"),
            },
            Command::Segments { json, view } => C::Segments {
                json,
                view: view.map(commands::views::ViewPick::Named),
            },
            Command::Views { action } => {
                return Err(LocalCommand::Views(
                    action.unwrap_or(ViewsCommand::List { json: false }),
                ));
            }
            Command::Explain { key, json } => C::Explain { key, json },
            Command::Agenda { owner, json, ics } => C::Agenda { owner, json, ics },
            Command::Matrix { json } => C::Matrix { json },
            Command::Model { action } => C::Model(match action {
                ModelCommand::Show => commands::ModelCommand::Show,
                ModelCommand::Apply { file, dry_run } => {
                    commands::ModelCommand::Apply { file, dry_run }
                }
                ModelCommand::Preset { name, dry_run } => {
                    commands::ModelCommand::Preset { name, dry_run }
                }
                ModelCommand::Edit => return Err(LocalCommand::ModelEdit),
            }),
            Command::Pin { key, tier, reason } => C::Pin { key, tier, reason },
            Command::Unpin { key } => C::Unpin { key },
            Command::Review { action: None } => C::Review,
            Command::Review {
                action: Some(ReviewCommand::Start { json, confirm_all }),
            } => C::ReviewStart { json, confirm_all },
            Command::Merge {
                keep,
                drop,
                take,
                dry_run,
                json,
            } => C::Merge {
                keep,
                drop,
                take,
                dry_run,
                json,
            },
            Command::Duplicates { json } => C::Duplicates { json },
            Command::Bulk {
                filter,
                action: BulkCommand::Set { fields, dry_run },
            } => C::Bulk {
                filter,
                fields,
                dry_run,
            },
            Command::Log { key, json, limit } => C::Log { key, json, limit },
            Command::Undo => C::Undo,
            // A missing message was asked for (`cli::editor`) before this;
            // one still missing is an optional summary left empty.
            Command::Touch {
                key,
                kind,
                message,
                at,
                follow_up,
                answers,
            } => C::Touch {
                key,
                kind,
                message: message.unwrap_or_default(),
                at,
                follow_up,
                answers,
            },
            Command::Note { key, message } => C::Note {
                key,
                message: message.unwrap_or_default(),
            },
            Command::Order {
                key,
                amount,
                margin,
                due,
                message,
            } => C::Order {
                key,
                amount,
                margin,
                due,
                message: message.unwrap_or_default(),
            },
            Command::Payment {
                key,
                amount,
                message,
            } => C::Payment {
                key,
                amount,
                message: message.unwrap_or_default(),
            },
            Command::Complaint { key, message } => C::Complaint {
                key,
                message: message.unwrap_or_default(),
            },
            Command::Resolve { key, message, at } => C::Resolve {
                key,
                message: message.unwrap_or_default(),
                at,
            },
            Command::FollowUp { action } => C::FollowUp(match action {
                FollowUpCommand::Add { key, due, message } => commands::FollowUpCommand::Add {
                    key,
                    due,
                    message: message.unwrap_or_default(),
                },
                FollowUpCommand::Done { id } => commands::FollowUpCommand::Done { id },
                FollowUpCommand::Snooze { id, days } => {
                    commands::FollowUpCommand::Snooze { id, days }
                }
                FollowUpCommand::List { json, owner } => {
                    commands::FollowUpCommand::List { json, owner }
                }
            }),
            Command::Digest { user, format, json } => C::Digest {
                user,
                format: match format {
                    _ if json => commands::digest::DigestFormat::Json,
                    DigestFormatArg::Text => commands::digest::DigestFormat::Text,
                    DigestFormatArg::Markdown => commands::digest::DigestFormat::Markdown,
                    DigestFormatArg::Json => commands::digest::DigestFormat::Json,
                },
            },
            Command::Hooks { action } => C::Hooks(match action {
                HooksCommand::Set { name, command } => {
                    commands::hooks::HooksCommand::Set { name, command }
                }
                HooksCommand::List { json } => commands::hooks::HooksCommand::List { json },
                HooksCommand::Rm { name } => commands::hooks::HooksCommand::Rm { name },
            }),
            Command::KeyDate { action } => C::KeyDate(match action {
                KeyDateCommand::Add {
                    key,
                    kind,
                    on,
                    lead,
                    message,
                } => commands::KeyDateCommand::Add {
                    key,
                    kind,
                    on,
                    lead,
                    note: message.unwrap_or_default(),
                },
                KeyDateCommand::List { key, json } => commands::KeyDateCommand::List { key, json },
                KeyDateCommand::Rm { id } => commands::KeyDateCommand::Rm { id },
            }),
            Command::Account {
                action: AccountCommand::Set { key, fields },
            } => C::AccountSet { key, fields },
            Command::Show { key, json } => C::Show { key, json },
            Command::Timeline {
                key,
                kind,
                limit,
                json,
            } => C::Timeline {
                key,
                kind,
                limit,
                json,
            },
            Command::Report {
                from,
                to,
                owner,
                json,
            } => C::Report {
                from,
                to,
                owner,
                json,
            },
            Command::Completions { shell } => return Err(LocalCommand::Completions(shell)),
            Command::Man => return Err(LocalCommand::Man),
            Command::Check => C::Check,
            Command::Backup { file } => return Err(LocalCommand::Backup(file)),
            Command::Restore { file } => return Err(LocalCommand::Restore(file)),
            Command::Keymap { action } => return Err(LocalCommand::Keymap(action)),
            Command::Serve => return Err(LocalCommand::Serve),
            Command::Server { action } => return Err(LocalCommand::Server(action)),
        })
    }
}
