//! clap arguments of `kam keydate`, `kam digest` and `kam hooks` (kept
//! apart from `args` so that file stays readable); converted to book
//! commands in `Command::into_book_command`.

use clap::{Subcommand, ValueEnum};

#[derive(Debug, Subcommand)]
pub enum HooksCommand {
    /// Set a hook: the server runs COMMAND with the event as JSON on stdin
    #[command(
        after_help = "Hooks: on_tier_change, on_complaint, on_overdue. The command is run \
by the team server (not with --no-server), without a shell: one quoted string is split into \
arguments like a shell's quoting, and nothing is expanded. It gets 10 seconds \
(KAM_HOOK_TIMEOUT), then it is killed; failures show in `kam server status`.\n\n\
Examples:\n  kam hooks set on_tier_change '/usr/local/bin/kam-notify --channel sales'\n  \
kam hooks set on_complaint -- /usr/bin/logger -t kam"
    )]
    Set {
        /// on_tier_change, on_complaint or on_overdue
        name: String,
        /// The program and its arguments
        #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
    /// The hooks that are set
    List {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Remove a hook
    Rm {
        /// on_tier_change, on_complaint or on_overdue
        name: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DigestFormatArg {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum KeyDateCommand {
    /// Add a key date to an account; it shows in the agenda LEAD days ahead
    #[command(
        after_help = "Kinds and their default lead: renewal (90 days), expiry (60), \
framework_review (30), contact_date (7; comes back every year).\n\nExample:\n  \
kam keydate add ACME --kind renewal --on 2027-03-31 --lead 120 -m 'Frame contract'"
    )]
    Add {
        /// The account's key
        key: String,
        /// renewal, expiry, framework_review or contact_date
        #[arg(long, value_name = "KIND")]
        kind: String,
        /// The date (YYYY-MM-DD)
        #[arg(long, value_name = "DATE")]
        on: String,
        /// Days ahead it shows in the agenda (default: by kind)
        #[arg(long, value_name = "N")]
        lead: Option<u32>,
        /// A note (whose birthday, which contract)
        #[arg(short = 'm', long = "message", value_name = "TEXT")]
        message: Option<String>,
    },
    /// Key dates of one account, or all, with their next occurrence
    List {
        /// The account's key (default: every account)
        key: Option<String>,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Remove a key date
    Rm {
        /// The key date's ID (`kam keydate list`)
        id: u64,
    },
}
