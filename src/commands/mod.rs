//! The commands that work on a book. They run in this process on the
//! embedded database, or inside the team server on behalf of a client: all
//! their input and output goes through `CmdEnv`, never straight to the
//! process's files or terminal.

mod account;
mod agenda_json;
pub mod backup;
pub mod bulk;
pub mod check;
mod daily;
pub mod digest;
pub mod editor;
mod env;
mod error;
mod followup;
pub mod hooks;
pub mod ics;
pub mod keydate;
pub mod kpi;
mod merge;
pub mod output;
pub mod report;
mod resolve;
mod review;
mod run;
mod segments_json;
pub mod table;
mod view;
pub mod views;

pub use env::{CmdEnv, LocalEnv, in_memory, read_input};
pub use error::{CmdResult, CommandError, ErrorKind};
pub use keydate::KeyDateCommand;
pub use output::{Output, Progress};
pub use run::{execute, fill_demo};

use crate::transfer::columns::RecordKind;
use crate::transfer::export::Format;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A command on the book, as the CLI parsed it. It is a value (not clap's
/// arguments) so that the team server can receive it whole and run it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Fill an empty database with the demo book.
    Demo {
        accounts: usize,
        /// Total interactions (None: the demo's default per account).
        interactions: Option<usize>,
        seed: u64,
    },
    Import {
        kind: RecordKind,
        file: PathBuf,
        dry_run: bool,
        /// Encoding, delimiter and column names of a file from another tool.
        #[serde(default)]
        options: crate::transfer::decode::ReadOptions,
    },
    Export {
        kind: RecordKind,
        format: Format,
        /// None: standard output.
        output: Option<PathBuf>,
    },
    Segments {
        json: bool,
        /// Only the accounts of a saved view, in its order.
        #[serde(default)]
        view: Option<views::ViewPick>,
    },
    Explain {
        key: String,
        json: bool,
    },
    /// `owner`: None = the current user, `all` = everyone.
    Agenda {
        owner: Option<String>,
        json: bool,
        /// An iCalendar file instead of text.
        #[serde(default)]
        ics: bool,
    },
    Matrix {
        json: bool,
    },
    Model(ModelCommand),
    Pin {
        key: String,
        tier: String,
        reason: String,
    },
    Unpin {
        key: String,
    },
    Review,
    Log {
        key: Option<String>,
        json: bool,
        limit: Option<usize>,
    },
    Undo,
    /// `kam touch`: a call, visit, meeting or e-mail on the timeline.
    /// Dates, kinds and amounts stay text here: the command checks them, so a
    /// bad value is invalid input (exit 3), not a usage mistake.
    Touch {
        key: String,
        /// None: call.
        kind: Option<String>,
        message: String,
        /// None: today.
        at: Option<String>,
        follow_up: Option<String>,
        /// The follow-up this touch answers: completed with it.
        answers: Option<u64>,
    },
    Note {
        key: String,
        message: String,
    },
    Order {
        key: String,
        amount: String,
        margin: Option<String>,
        due: Option<String>,
        message: String,
    },
    Payment {
        key: String,
        amount: String,
        message: String,
    },
    Complaint {
        key: String,
        message: String,
    },
    /// `kam resolve KEY`: a resolution that closes the oldest open complaint.
    Resolve {
        key: String,
        message: String,
        at: Option<String>,
    },
    FollowUp(FollowUpCommand),
    /// `kam account set KEY FIELD=VALUE…` (fields named as the CSV columns).
    AccountSet {
        key: String,
        fields: Vec<(String, String)>,
    },
    /// The profile of one account.
    Show {
        key: String,
        json: bool,
    },
    Timeline {
        key: String,
        kind: Option<String>,
        limit: Option<usize>,
        json: bool,
    },
    /// The whole database as one backup file, to standard output (the CLI
    /// writes it to a file when one is named).
    Backup,
    /// Check every record, index, derived score and the audit sequence.
    Check,
    /// `kam review start`: the accounts due for review; `confirm_all`
    /// finishes the review confirming every one.
    ReviewStart {
        json: bool,
        confirm_all: bool,
    },
    /// `kam merge KEEP DROP`: DROP's records move to KEEP, DROP goes.
    Merge {
        keep: String,
        drop: String,
        /// Fields whose value is taken from DROP.
        take: Vec<String>,
        dry_run: bool,
        json: bool,
    },
    /// `kam duplicates`: pairs of accounts that look like one customer.
    Duplicates {
        json: bool,
    },
    /// `kam report`: the KPIs of a period (dates as typed, checked by the command).
    Report {
        from: Option<String>,
        to: Option<String>,
        owner: Option<String>,
        json: bool,
    },
    /// `kam views`: the team's saved views (personal ones are the CLI's).
    Views(views::ViewsCommand),
    /// `kam bulk --filter EXPR set FIELD=VALUE… [--dry-run]`.
    Bulk {
        filter: String,
        fields: Vec<(String, String)>,
        dry_run: bool,
    },
    /// `kam keydate add|list|rm`.
    KeyDate(KeyDateCommand),
    /// Today's agenda, yesterday's tier moves, overdue money, open
    /// complaints. `user`: None = the current user, `all` = everyone.
    Digest {
        user: Option<String>,
        format: digest::DigestFormat,
    },
    /// `kam hooks set|list|rm`.
    Hooks(hooks::HooksCommand),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FollowUpCommand {
    Add {
        key: String,
        due: String,
        message: String,
    },
    Done {
        id: u64,
    },
    Snooze {
        id: u64,
        days: u32,
    },
    /// `owner`: None = the current user, `all` = everyone.
    List {
        json: bool,
        owner: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ModelCommand {
    Show,
    Apply { file: PathBuf, dry_run: bool },
    Preset { name: String, dry_run: bool },
}

/// True for the commands that change the book (dry runs do not).
pub fn is_write(cmd: &Command) -> bool {
    match cmd {
        Command::Demo { .. }
        | Command::Pin { .. }
        | Command::Unpin { .. }
        | Command::Review
        | Command::Undo
        | Command::Touch { .. }
        | Command::Note { .. }
        | Command::Order { .. }
        | Command::Payment { .. }
        | Command::Complaint { .. }
        | Command::Resolve { .. }
        | Command::AccountSet { .. } => true,
        Command::FollowUp(f) => !matches!(f, FollowUpCommand::List { .. }),
        Command::KeyDate(k) => !matches!(k, KeyDateCommand::List { .. }),
        Command::Hooks(h) => !matches!(h, hooks::HooksCommand::List { .. }),
        Command::Import { dry_run, .. } => !dry_run,
        Command::ReviewStart { confirm_all, .. } => *confirm_all,
        Command::Merge { dry_run, .. } => !dry_run,
        Command::Bulk { dry_run, .. } => !dry_run,
        Command::Views(v) => !matches!(v, views::ViewsCommand::List { .. }),
        Command::Model(action) => match action {
            ModelCommand::Show => false,
            ModelCommand::Apply { dry_run, .. } | ModelCommand::Preset { dry_run, .. } => !dry_run,
        },
        _ => false,
    }
}

/// Commands that may start a new book in a directory that does not exist
/// yet; every other command there is a mistyped `--db`, not a new book.
pub fn may_create_book(cmd: &Command) -> bool {
    is_write(cmd) || matches!(cmd, Command::Import { .. })
}

/// The input files a command reads (a client sends them to the server).
pub fn input_files(cmd: &Command) -> Vec<std::path::PathBuf> {
    match cmd {
        Command::Import { file, .. } | Command::Model(ModelCommand::Apply { file, .. }) => {
            vec![file.clone()]
        }
        _ => Vec::new(),
    }
}

/// A one-line description of a write, for other users' notifications.
pub fn summary(cmd: &Command) -> String {
    match cmd {
        Command::Demo { accounts, .. } => format!("demo book ({accounts} accounts)"),
        Command::Import { kind, file, .. } => {
            let name = file.file_name().unwrap_or_default().to_string_lossy();
            format!("import {kind} from {name}")
        }
        Command::Pin { key, tier, .. } => format!("pinned {key} to {tier}"),
        Command::Unpin { key } => format!("unpinned {key}"),
        Command::Review => "marked a tier review".into(),
        Command::Undo => "undid their last change".into(),
        Command::ReviewStart { .. } => "finished a tier review".into(),
        Command::Merge { keep, drop, .. } => format!("merged {drop} into {keep}"),
        Command::Model(ModelCommand::Apply { .. }) => "applied a scoring model".into(),
        Command::Model(ModelCommand::Preset { name, .. }) => {
            format!("switched the scoring model to {name}")
        }
        Command::Touch { key, kind, .. } => {
            format!("logged a {} with {key}", kind.as_deref().unwrap_or("call"))
        }
        Command::Note { key, .. } => format!("noted on {key}"),
        Command::Order { key, amount, .. } => format!("logged an order of {amount} for {key}"),
        Command::Payment { key, amount, .. } => {
            format!("logged a payment of {amount} from {key}")
        }
        Command::Complaint { key, .. } => format!("logged a complaint from {key}"),
        Command::Resolve { key, .. } => format!("resolved a complaint of {key}"),
        Command::FollowUp(FollowUpCommand::Add { key, due, .. }) => {
            format!("added a follow-up on {key} due {due}")
        }
        Command::FollowUp(FollowUpCommand::Done { id }) => format!("completed follow-up {id}"),
        Command::FollowUp(FollowUpCommand::Snooze { id, days }) => {
            format!(
                "snoozed follow-up {id} for {}",
                report::plural(*days as usize, "day")
            )
        }
        Command::KeyDate(KeyDateCommand::Add { key, kind, on, .. }) => {
            format!("added a {kind} date on {key} ({on})")
        }
        Command::KeyDate(KeyDateCommand::Rm { id }) => format!("removed key date {id}"),
        Command::Hooks(hooks::HooksCommand::Set { name, .. }) => format!("set the {name} hook"),
        Command::Hooks(hooks::HooksCommand::Rm { name }) => format!("removed the {name} hook"),
        Command::AccountSet { key, fields } => {
            let names: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
            format!("set {} on {key}", names.join(", "))
        }
        Command::Views(views::ViewsCommand::Save { view }) => {
            format!("saved the team view {}", view.name)
        }
        Command::Views(views::ViewsCommand::Delete { name }) => {
            format!("deleted the team view {name}")
        }
        Command::Bulk { filter, fields, .. } => {
            let labels: Vec<String> = fields.iter().map(|(f, v)| format!("{f}={v}")).collect();
            format!("bulk change on '{filter}': {}", labels.join(" "))
        }
        other => format!("{other:?}"),
    }
}
