//! The command line, declared with clap. Parsing only; `cli::run` dispatches.

use crate::transfer::columns::RecordKind;
use crate::transfer::export::Format;
use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub use super::args_team::{DigestFormatArg, HooksCommand, KeyDateCommand};
pub use super::to_command::LocalCommand;

/// The exit codes, shown under `kam --help` (tests/cli_conventions.rs runs
/// a command for each and checks it).
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success (also when the reader of the output went away: `kam segments | head`)
  1  runtime failure (I/O, lost server connection)
  2  usage error (unknown option, missing argument, missing -m without a terminal)
  3  invalid input (bad CSV rows, unknown key or tier, bad date/amount/kind, invalid model or keymap)
  4  the database cannot be opened (missing, damaged, locked, foreign or newer)

A FILE argument of `-` is standard input (import, model apply) or standard output (export -o).

Examples:
  kam agenda
  kam touch ACME --kind visit -m 'Walked the plant; wants a Q1 quote' --follow-up 2026-12-01
  kam followup done 42
  kam export accounts --format json -o - | jq '.[].key'";

#[derive(Debug, Parser)]
#[command(
    name = "kam",
    version,
    about = "Key account management in the terminal",
    long_about = "kam keeps customer accounts, contacts and interactions, scores every account \
on value and potential, places it in a tier matrix and turns tiers into a daily follow-up \
agenda. Without a command it opens the terminal UI.",
    after_help = EXIT_CODES_HELP
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
    #[command(
        after_help = "Examples:\n  kam import accounts accounts.csv --dry-run\n  \
        kam import accounts excel.csv --encoding gb18030 --delimiter ';'\n  \
        kam import contacts phone.vcf\n  \
        iconv -f gbk -t utf-8 old.csv | kam import contacts -"
    )]
    Import {
        /// What the file holds
        kind: RecordKind,
        /// The CSV file (`-`: standard input)
        file: PathBuf,
        /// Check the file and report what would change, write nothing
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        read: ImportFileArgs,
    },
    /// Export records as CSV or JSON
    #[command(after_help = "Example:\n  kam export interactions --format json -o - | jq length")]
    Export {
        /// What to export
        kind: RecordKind,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Write to FILE instead of standard output (atomically; `-`: standard output)
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Every account with its tier, scores and flags
    #[command(after_help = "Example:\n  kam segments --view east-key")]
    Segments {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
        /// Only the accounts of a saved view, in its order (`kam views` lists them)
        #[arg(long, value_name = "NAME")]
        view: Option<String>,
    },
    /// List, save or delete saved views (a filter and a sort under a name)
    #[command(
        after_help = "Personal views are kept in $XDG_CONFIG_HOME/kam/views.toml, team \
views in the database (shared, in the change log).\n\nExamples:\n  \
kam views\n  \
kam views save east-key --filter 'region:east tier:key' --sort revenue\n  \
kam views save overdue --filter flag:overdue_payment --team\n  \
kam views delete east-key"
    )]
    Views {
        #[command(subcommand)]
        action: Option<ViewsCommand>,
    },
    /// Why an account has its tier, criterion by criterion
    Explain {
        /// The account's key (any case; a near miss lists close keys)
        key: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Today's due and overdue follow-ups, complaint SLAs and risk flags
    Agenda {
        /// Whose agenda (default: the current user; `all` for everyone)
        #[arg(long)]
        owner: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
        /// Print an iCalendar file (one all-day event per item) instead
        #[arg(long, conflicts_with = "json")]
        ics: bool,
    },
    /// The tier matrix: count, revenue and share per cell
    Matrix {
        /// Print JSON (cells with tier, count, revenue as a string, share; tier totals)
        #[arg(long)]
        json: bool,
    },
    /// Show, apply or switch the team's scoring model
    Model {
        #[command(subcommand)]
        action: ModelCommand,
    },
    /// Pin an account's tier by hand (the computed tier is still shown)
    #[command(
        after_help = "Example:\n  kam pin ACME Key --reason 'strategic partner, board decision'"
    )]
    Pin {
        /// The account's key
        key: String,
        /// A tier of the current model (`kam matrix` lists them)
        tier: String,
        /// Why the tier is set by hand (kept with the pin and in the log)
        #[arg(long)]
        reason: String,
    },
    /// Change many accounts at once: those the filter matches (one change,
    /// undone as one)
    #[command(
        after_help = "The filter is the TUI list's: terms like tier:key owner:ann \
region:east tag:vip status:active flag:overdue_payment who:ann (owner or backup), all must hold; \
a bare word matches key or name.\n\nExamples:\n  \
kam bulk --filter 'owner:ann region:east' set owner=bob --dry-run\n  \
kam bulk --filter tag:expo set tags+=expo-2026 tags-=expo\n  \
kam bulk --filter 'tier:key' set follow_up=2026-12-01 'follow_up_note=Year-end call'\n  \
kam bulk --filter 'status:dormant' set pin=Development 'pin_reason=re-entry plan'"
    )]
    Bulk {
        /// Which accounts (the list's filter language; quote it)
        #[arg(long, value_name = "EXPR")]
        filter: String,
        #[command(subcommand)]
        action: BulkCommand,
    },
    /// Remove a hand-set tier
    Unpin {
        /// The account's key
        key: String,
    },
    /// Mark a tier review: later moves are shown against this point
    /// (`kam review start`: the periodic review of moves and old pins)
    #[command(
        after_help = "Examples:\n  kam review                          mark today's tiers as reviewed\n  \
kam review start                    list the accounts due for review\n  \
kam review start --confirm-all      confirm them all and record the review"
    )]
    Review {
        #[command(subcommand)]
        action: Option<ReviewCommand>,
    },
    /// Merge a duplicate account into the one kept: contacts, timeline,
    /// follow-ups and pin move over, DROP is removed (one change, undoable)
    #[command(
        after_help = "Examples:\n  kam merge ACME ACME-2 --dry-run\n  kam merge ACME ACME-2 --take region --take industry"
    )]
    Merge {
        /// The account that stays
        keep: String,
        /// The duplicate that goes
        drop: String,
        /// Take DROP's value for this field where both differ (repeatable;
        /// default: KEEP's value)
        #[arg(long, value_name = "FIELD")]
        take: Vec<String>,
        /// Show what would move and the conflicts, write nothing
        #[arg(long)]
        dry_run: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// List likely duplicate accounts (same name without legal form, same
    /// company e-mail domain)
    #[command(after_help = "Example:\n  kam duplicates --json")]
    Duplicates {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// The audit trail, newest first: who changed what, when, field by field
    Log {
        /// Only the changes to this account
        key: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
        /// Show at most N changes
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
    },
    /// Undo your own last change (refused if someone changed the records since)
    Undo,
    /// Log a touch (call, visit, meeting or e-mail) on an account's timeline
    #[command(
        after_help = "Without -m, a terminal opens $VISUAL/$EDITOR (else vi) for the summary.\n\n\
Examples:\n  kam touch ACME -m 'Called Li Wei about the renewal'\n  \
kam touch ACME --kind visit --follow-up 2026-12-01 -m 'Plant tour; quote by December'\n  \
kam touch ACME --answers 42 -m 'Sent the price list'   # completes follow-up 42"
    )]
    Touch {
        /// The account's key
        key: String,
        /// What kind of touch: call (default), visit, meeting or email
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        /// What was said or agreed
        #[arg(short = 'm', long = "message", value_name = "TEXT")]
        message: Option<String>,
        /// When it happened (YYYY-MM-DD or RFC 3339; default today, not in the future)
        #[arg(long, value_name = "DATE")]
        at: Option<String>,
        /// Ask for a follow-up on this day (shows on the agenda)
        #[arg(long = "follow-up", value_name = "DATE")]
        follow_up: Option<String>,
        /// The open follow-up (ID from `kam followup list`) this touch answers: it is marked done
        #[arg(long, value_name = "ID")]
        answers: Option<u64>,
    },
    /// Add a note to an account's timeline
    #[command(after_help = "Example:\n  kam note ACME -m 'New CFO from January: Zhang Min'")]
    Note {
        /// The account's key
        key: String,
        /// The note (without it, a terminal opens $VISUAL/$EDITOR)
        #[arg(short = 'm', long = "message", value_name = "TEXT")]
        message: Option<String>,
    },
    /// Log an order (exact amount, optional margin and payment due date)
    #[command(
        after_help = "Example:\n  kam order ACME 125000.00 --margin 31250 --due 2027-01-15 -m 'Q1 frame contract'"
    )]
    Order {
        /// The account's key
        key: String,
        /// Invoiced amount, e.g. 125000.50 (at most 2 decimals)
        #[arg(allow_negative_numbers = true)]
        amount: String,
        /// Gross margin of the order (may be negative)
        #[arg(long, value_name = "AMOUNT", allow_negative_numbers = true)]
        margin: Option<String>,
        /// Payment due date (YYYY-MM-DD)
        #[arg(long, value_name = "DATE")]
        due: Option<String>,
        /// A summary of the order
        #[arg(short = 'm', long = "message", value_name = "TEXT")]
        message: Option<String>,
    },
    /// Log a payment received
    #[command(after_help = "Example:\n  kam payment ACME 62500 -m 'First instalment'")]
    Payment {
        /// The account's key
        key: String,
        /// Amount received, e.g. 62500 (at most 2 decimals)
        #[arg(allow_negative_numbers = true)]
        amount: String,
        /// A summary of the payment
        #[arg(short = 'm', long = "message", value_name = "TEXT")]
        message: Option<String>,
    },
    /// Log a complaint (its resolution deadline goes on the agenda)
    #[command(after_help = "Example:\n  kam complaint ACME -m 'Late delivery of batch 7'")]
    Complaint {
        /// The account's key
        key: String,
        /// What the customer complains about (without it, a terminal opens $VISUAL/$EDITOR)
        #[arg(short = 'm', long = "message", value_name = "TEXT")]
        message: Option<String>,
    },
    /// Resolve the account's oldest open complaint (a resolution entry)
    #[command(
        after_help = "Complaints are resolved oldest first, as the SLA counts them.\n\n\
        Example:\n  kam resolve ACME -m 'Batch 7 replaced, credit note sent'"
    )]
    Resolve {
        /// The account's key
        key: String,
        /// What was done (without it, a terminal opens $VISUAL/$EDITOR)
        #[arg(short = 'm', long = "message", value_name = "TEXT")]
        message: Option<String>,
        /// When it was resolved (YYYY-MM-DD or RFC 3339; default today)
        #[arg(long, value_name = "DATE")]
        at: Option<String>,
    },
    /// Add, complete, snooze or list follow-ups
    #[command(name = "followup")]
    FollowUp {
        #[command(subcommand)]
        action: FollowUpCommand,
    },
    /// Today's agenda, yesterday's tier moves, overdue money and open complaints, for cron and mail
    #[command(after_help = "Examples:\n  kam digest --for ann\n  \
kam digest --for all --format markdown | mail -s 'kam digest' team@example.com\n  \
kam digest --json | jq '.overdue.total'\n\n\
A crontab line (weekdays at 07:30):\n  \
30 7 * * 1-5  kam digest --format markdown | mail -s \"kam $(date +\\%F)\" ann@example.com")]
    Digest {
        /// Whose accounts (default: yours; `all` for everyone)
        #[arg(long = "for", value_name = "USER")]
        user: Option<String>,
        /// text (tables), markdown (for mail) or json
        #[arg(long, value_enum, default_value_t = DigestFormatArg::Text)]
        format: DigestFormatArg,
        /// Print JSON (the same as --format json)
        #[arg(long, conflicts_with = "format")]
        json: bool,
    },
    /// Commands the team server runs on a tier change, a complaint or an overdue receivable
    Hooks {
        #[command(subcommand)]
        action: HooksCommand,
    },
    /// Add, list or remove key dates (renewals, expiries, reviews, a contact's day)
    #[command(name = "keydate")]
    KeyDate {
        #[command(subcommand)]
        action: KeyDateCommand,
    },
    /// Change an account's fields
    Account {
        #[command(subcommand)]
        action: AccountCommand,
    },
    /// An account's profile: fields, contacts, scores, flags, open follow-ups
    Show {
        /// The account's key
        key: String,
        /// Print JSON (export's column names) instead of text
        #[arg(long)]
        json: bool,
    },
    /// An account's timeline, newest first
    #[command(after_help = "Example:\n  kam timeline ACME --kind order --limit 5")]
    Timeline {
        /// The account's key
        key: String,
        /// Only entries of this kind (order, payment, visit, call, email, meeting, complaint, …)
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        /// Show at most N entries
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Print JSON (export's column names, plus the entry's id) instead of text
        #[arg(long)]
        json: bool,
    },
    /// The key-account KPIs of a period, for the team and per owner
    #[command(
        after_help = "The period defaults to last week (Monday to Sunday before this week); \
--from alone runs to today, --to alone is the 7 days ending then.\n\nExamples:\n  \
kam report\n  kam report --from 2026-10-01 --to 2026-10-31 --owner ann\n  kam report --json | jq .team"
    )]
    Report {
        /// First day of the period (YYYY-MM-DD)
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Last day of the period (YYYY-MM-DD)
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// Only this owner's accounts
        #[arg(long, value_name = "USER")]
        owner: Option<String>,
        /// Print JSON (money as strings with two decimals) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script
    #[command(after_help = "Install:\n  \
bash: kam completions bash > ~/.local/share/bash-completion/completions/kam\n  \
zsh:  kam completions zsh > ~/.zfunc/_kam   (with fpath+=~/.zfunc before compinit)\n  \
fish: kam completions fish > ~/.config/fish/completions/kam.fish")]
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to standard output
    #[command(after_help = "Install:\n  kam man > ~/.local/share/man/man1/kam.1")]
    Man,
    /// Write a complete backup of the database (every record, follow-up,
    /// snooze, pin, review mark, the model and the audit trail) while others
    /// keep working
    Backup {
        /// The backup file (written atomically), or `-` for standard output
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Restore a backup or restore point into a new or empty directory
    /// (--db); the file is verified completely before anything is written
    #[command(
        after_help = "Example:\n  kam restore ~/kam-2026-11-26.kambackup --db ~/.local/share/kam-restored"
    )]
    Restore {
        /// The backup file (`kam backup`) or a restore point (`<db>/restore-points/…`)
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Check every record, index, score and the audit trail; exit 4 when
    /// anything is wrong
    Check,
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
        /// Print JSON instead of text
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
pub enum ReviewCommand {
    /// The periodic review: accounts whose tier moved since the last review
    /// and pins older than the model's review_days
    Start {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
        /// Confirm every listed account and record the review (who, when,
        /// how many) in the audit trail
        #[arg(long)]
        confirm_all: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Print the current model as TOML
    Show,
    /// Replace the model with the one in FILE (TOML)
    Apply {
        /// The model file (TOML; `-`: standard input)
        file: PathBuf,
        /// List the accounts that would change tier, change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Switch to a built-in preset (value-potential, volume-loyalty, revenue-bands)
    Preset {
        /// The preset's name
        name: String,
        /// List the accounts that would change tier, change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Edit the model in $VISUAL/$EDITOR, preview who moves, confirm, apply
    #[command(
        after_help = "A TOML mistake reopens the editor with the error at the top \
(quit without changing the file to give up). After the preview, the answer to \
\"Apply? [y/N]\" is read from standard input: `yes | kam model edit` applies \
without asking; end of input or an empty answer changes nothing."
    )]
    Edit,
}

#[derive(Debug, Subcommand)]
pub enum FollowUpCommand {
    /// Add a follow-up, assigned to you
    #[command(
        after_help = "Example:\n  kam followup add ACME --due 2026-12-01 -m 'Send the Q1 quote'"
    )]
    Add {
        /// The account's key
        key: String,
        /// The day it is due (YYYY-MM-DD, today or later)
        #[arg(long, value_name = "DATE")]
        due: String,
        /// What to do (without it, a terminal opens $VISUAL/$EDITOR)
        #[arg(short = 'm', long = "message", value_name = "TEXT")]
        message: Option<String>,
    },
    /// Mark a follow-up done today
    Done {
        /// The follow-up's ID (`kam followup list`)
        id: u64,
    },
    /// Hide a follow-up from the agenda for some days
    Snooze {
        /// The follow-up's ID (`kam followup list`)
        id: u64,
        /// How many days
        #[arg(long, value_name = "N", default_value_t = 1)]
        days: u32,
    },
    /// Open follow-ups, earliest due first
    List {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
        /// Whose follow-ups (default: yours; `all` for everyone)
        #[arg(long, value_name = "USER")]
        owner: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Set fields, named as the CSV columns, with the form's rules
    #[command(
        after_help = "Fields: name, owner, backup_owner, industry, region, status, since, \
orientation, potential, loyalty, strategic_fit, tech_cooperation, tags (separated by ;), \
background, finance, organisation, competitors, suppliers, downstream, plans, needs. \
An empty value clears a field.\n\nExample:\n  kam account set ACME potential=4 owner=ann 'tags=vip;export'"
    )]
    Set {
        /// The account's key
        key: String,
        /// FIELD=VALUE pairs
        #[arg(value_name = "FIELD=VALUE", required = true, value_parser = parse_assignment)]
        fields: Vec<(String, String)>,
    },
}

/// `FIELD=VALUE` (the value may be empty, or hold more `=`).
fn parse_assignment(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((f, v)) if !f.trim().is_empty() => Ok((f.trim().to_string(), v.to_string())),
        _ => Err(format!("'{s}' is not FIELD=VALUE")),
    }
}

#[derive(Debug, Subcommand)]
pub enum ViewsCommand {
    /// Personal and team views (the default)
    List {
        /// Print JSON (name, scope, filter, sort, reverse)
        #[arg(long)]
        json: bool,
    },
    /// Save a filter and sort under a name (replaces a view of that name)
    Save {
        /// The view's name
        name: String,
        /// The list's filter language (tier:key owner:ann region:east who:ann …)
        #[arg(long, value_name = "EXPR", default_value = "")]
        filter: String,
        /// tier, name, owner, value, potential, revenue, next_due or flags
        #[arg(long, value_name = "COLUMN", default_value = "tier")]
        sort: String,
        /// Reverse the sort order
        #[arg(long)]
        reverse: bool,
        /// Save it for the whole team, in the database
        #[arg(long)]
        team: bool,
    },
    /// Delete a view (yours first; --team for the team's of that name)
    Delete {
        /// The view's name
        name: String,
        /// Delete the team's view even when you have a personal one of that name
        #[arg(long)]
        team: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BulkCommand {
    /// Set fields on every matching account
    #[command(
        after_help = "Fields: owner, backup_owner, status (parsed as `kam account set` \
parses them), tags+=TAG and tags-=TAG (add or remove one tag), follow_up=DATE with \
follow_up_note=TEXT (a follow-up on each, for its owner), pin=TIER with pin_reason=TEXT."
    )]
    Set {
        /// FIELD=VALUE pairs
        #[arg(value_name = "FIELD=VALUE", required = true, value_parser = parse_assignment)]
        fields: Vec<(String, String)>,
        /// List who would change (key, name, field: old → new), write nothing
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeymapCommand {
    /// Validate the user keymap file; exit 3 with a report when it has errors
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
