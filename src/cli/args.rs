//! The command line, declared with clap. Parsing only; `cli::run` dispatches.

use crate::commands;
use crate::transfer::columns::RecordKind;
use crate::transfer::export::Format;
use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "kam",
    version,
    about = "Key account management in the terminal",
    long_about = "kam keeps customer accounts, contacts and interactions, scores every account \
on value and potential, places it in a tier matrix and turns tiers into a daily follow-up \
agenda. Without a command it opens the terminal UI."
)]
pub struct Cli {
    // The environment fallbacks (KAM_DB, KAM_TODAY, KAM_NO_SERVER) are read
    // by `Context::from_args`, not by clap: clap counts a value from the
    // environment as typed, and its usage line on an error then shows
    // `--as-of <DATE>` as if it were required.
    /// Database directory (default: $KAM_DB, else $XDG_DATA_HOME/kam, or
    /// $XDG_DATA_HOME/kam-demo with --demo)
    #[arg(long, global = true, value_name = "DIR")]
    pub db: Option<PathBuf>,

    /// Pin "today" for every date-dependent result (YYYY-MM-DD; default: $KAM_TODAY)
    #[arg(long = "as-of", global = true, value_name = "DATE")]
    pub as_of: Option<String>,

    /// Open the TUI on the demo database, creating the demo book first if it is empty
    #[arg(long)]
    pub demo: bool,

    /// Start the TUI on the agenda (the morning session)
    #[arg(long)]
    pub agenda: bool,

    /// Open the database in this process instead of through the team server
    /// (only one process can then use it; also KAM_NO_SERVER=1)
    #[arg(long, global = true)]
    pub no_server: bool,

    /// Colour in text tables: auto (a terminal without NO_COLOR), always, never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// No progress bars on stderr (they are never drawn when stderr is not a terminal)
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How `kam import` reads a file written by another program.
#[derive(Debug, Args)]
pub struct ImportFileArgs {
    /// Text encoding of the file: utf-8, gb18030, gbk or utf-16 (default:
    /// UTF-8, or UTF-16 when the file starts with its byte-order mark)
    #[arg(long, value_name = "ENCODING", value_parser = parse_encoding)]
    pub encoding: Option<crate::transfer::decode::Encoding>,
    /// Field separator: ',' ';' or '\t' (default: ',' unless the header line
    /// shows ';' or tabs)
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Rename the file's columns to kam's, e.g. 'Company=name,Account Owner=owner'
    #[arg(long, value_name = "FROM=TO,...")]
    pub map: Option<String>,
    /// Ignore columns kam does not know instead of refusing the file
    #[arg(long)]
    pub skip_unknown: bool,
}

fn parse_encoding(s: &str) -> Result<crate::transfer::decode::Encoding, String> {
    s.parse()
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    crate::transfer::decode::parse_delimiter(s)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fill an empty database with a realistic, deterministic demo book
    Demo(DemoArgs),
    /// Import records from a CSV file, or contacts from a vCard file (all
    /// rows or nothing)
    Import {
        kind: RecordKind,
        file: PathBuf,
        /// Check the file and report what would change, write nothing
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        read: ImportFileArgs,
    },
    /// Export records as CSV or JSON
    Export {
        kind: RecordKind,
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Write to FILE instead of standard output (atomically)
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Every account with its tier, scores and flags
    Segments {
        #[arg(long)]
        json: bool,
    },
    /// Why an account has its tier, criterion by criterion
    Explain {
        key: String,
        #[arg(long)]
        json: bool,
    },
    /// Today's due and overdue follow-ups, complaint SLAs and risk flags
    Agenda {
        /// Whose agenda (default: the current user; `all` for everyone)
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        json: bool,
        /// Print an iCalendar file (one all-day event per item) instead
        #[arg(long, conflicts_with = "json")]
        ics: bool,
    },
    /// The tier matrix: count, revenue and share per cell
    Matrix {
        #[arg(long)]
        json: bool,
    },
    /// Show, apply or switch the team's scoring model
    Model {
        #[command(subcommand)]
        action: ModelCommand,
    },
    /// Pin an account's tier by hand (the computed tier is still shown)
    Pin {
        key: String,
        tier: String,
        #[arg(long)]
        reason: String,
    },
    /// Remove a hand-set tier
    Unpin { key: String },
    /// Mark a tier review: later moves are shown against this point
    Review,
    /// The audit trail, newest first: who changed what, when, field by field
    Log {
        /// Only the changes to this account
        key: Option<String>,
        #[arg(long)]
        json: bool,
        /// Show at most N changes
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
    },
    /// Undo your own last change (refused if someone changed the records since)
    Undo,
    /// Check or print key bindings
    Keymap {
        #[command(subcommand)]
        action: KeymapCommand,
    },
    /// Run the server that owns the database, in the foreground (every kam
    /// command starts one when needed)
    Serve,
    /// The team server: who is connected, or stop it
    Server {
        #[command(subcommand)]
        action: ServerCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Pid, uptime and connected users of the database's server
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Stop the database's server (clients reconnect to a new one)
    Stop,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of accounts
    #[arg(long, default_value_t = crate::demo::DemoParams::DEFAULT_ACCOUNTS)]
    pub accounts: usize,
    // Help built from the constant so the text cannot drift from the default.
    #[arg(long, help = format!(
        "Total number of interactions (default: about {} per account)",
        crate::demo::DemoParams::DEFAULT_INTERACTIONS_PER_ACCOUNT
    ))]
    pub interactions: Option<usize>,
    /// Random seed (same seed, date and user → same book)
    #[arg(long, default_value_t = crate::demo::DemoParams::DEFAULT_SEED)]
    pub seed: u64,
}

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Print the current model as TOML
    Show,
    /// Replace the model with the one in FILE (TOML)
    Apply {
        file: PathBuf,
        /// List the accounts that would change tier, change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Switch to a built-in preset (value-potential, volume-loyalty, revenue-bands)
    Preset {
        name: String,
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeymapCommand {
    /// Validate the user keymap file; exit 1 with a report when it has errors
    Check {
        /// Keymap file (default: $XDG_CONFIG_HOME/kam/keymap.toml)
        file: Option<PathBuf>,
    },
    /// Print the default keymap (a starting point for your own file)
    PrintDefault,
}

// The transfer layer's kinds and formats stay free of clap; the CLI lists
// their spellings here.
impl ValueEnum for RecordKind {
    fn value_variants<'a>() -> &'a [Self] {
        &RecordKind::ALL
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()))
    }
}

impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &Format::ALL
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()))
    }
}

/// The commands the CLI runs itself, without a book.
#[derive(Debug)]
pub enum LocalCommand {
    Keymap(KeymapCommand),
    Serve,
    Server(ServerCommand),
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
                output,
            },
            Command::Segments { json } => C::Segments { json },
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
            }),
            Command::Pin { key, tier, reason } => C::Pin { key, tier, reason },
            Command::Unpin { key } => C::Unpin { key },
            Command::Review => C::Review,
            Command::Log { key, json, limit } => C::Log { key, json, limit },
            Command::Undo => C::Undo,
            Command::Keymap { action } => return Err(LocalCommand::Keymap(action)),
            Command::Serve => return Err(LocalCommand::Serve),
            Command::Server { action } => return Err(LocalCommand::Server(action)),
        })
    }
}
