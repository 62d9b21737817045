//! Command-line twins of every view: import, export, demo data, reports.
//! `run` dispatches a parsed command line; each command prints its result to
//! stdout and its errors to stderr, with a meaningful exit code.

pub mod args;
pub mod columns;
pub mod demo;
pub mod exec;
pub mod export;
pub mod import;
mod names;
pub mod report;

use crate::book::{Book, BookError};
use crate::clock::Clock;
use crate::store::{Store, StoreError};
use args::{Cli, Command, KeymapCommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes (documented in README): scripts can tell a bad input from a
/// database that cannot be opened.
pub mod exit {
    pub const OK: u8 = 0;
    /// Runtime failure (I/O, write error).
    pub const FAILURE: u8 = 1;
    /// Command-line usage error (clap's own code).
    pub const USAGE: u8 = 2;
    /// The input was rejected: bad CSV rows, invalid model or keymap, unknown key.
    pub const INVALID_INPUT: u8 = 3;
    /// The database cannot be opened: damaged, foreign, locked, or newer.
    pub const DATABASE: u8 = 4;
}

/// An error with the exit code it maps to.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    fn new(code: u8, message: impl std::fmt::Display) -> Self {
        Failure {
            code,
            message: message.to_string(),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        let code = match e {
            StoreError::Damaged { .. }
            | StoreError::Foreign { .. }
            | StoreError::Locked { .. }
            | StoreError::Newer { .. } => exit::DATABASE,
            StoreError::Invalid(_) | StoreError::DuplicateKey(_) | StoreError::NotFound(_) => {
                exit::INVALID_INPUT
            }
            _ => exit::FAILURE,
        };
        Failure::new(code, e)
    }
}

impl From<BookError> for Failure {
    fn from(e: BookError) -> Self {
        match e {
            BookError::Store(s) => s.into(),
            other => Failure::new(exit::INVALID_INPUT, other),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::new(exit::FAILURE, e)
    }
}

pub type CmdResult = Result<(), Failure>;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    match dispatch(cli) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("kam: {}", f.message);
            }
            ExitCode::from(f.code)
        }
    }
}

/// What every command needs to know: which database, which day, who.
pub struct Context {
    pub db: PathBuf,
    pub clock: Clock,
    pub user: String,
}

impl Context {
    pub fn from_args(cli: &Cli) -> Result<Context, Failure> {
        let clock =
            Clock::from_override(cli.as_of.as_deref()).map_err(|e| Failure::new(exit::USAGE, e))?;
        let db = match (&cli.db, cli.demo) {
            (Some(db), _) => Some(db.clone()),
            (None, true) => crate::paths::demo_db(),
            (None, false) => crate::paths::default_db(),
        }
        .ok_or_else(|| {
            Failure::new(exit::FAILURE, "cannot find a home directory; pass --db DIR")
        })?;
        Ok(Context {
            db,
            clock,
            user: crate::identity::current_user(),
        })
    }

    pub fn store(&self) -> Result<Store, Failure> {
        Ok(Store::open(&self.db)?)
    }

    pub fn book(&self) -> Result<Book, Failure> {
        Ok(Book::open(self.store()?, self.clock, &self.user)?)
    }
}

fn dispatch(cli: Cli) -> CmdResult {
    let ctx = Context::from_args(&cli)?;
    let out = &mut std::io::stdout().lock();
    match cli.command {
        None => open_tui(&ctx, cli.demo, cli.agenda),
        Some(Command::Keymap { action }) => keymap_command(action, out),
        Some(cmd) => {
            let mut book = ctx.book()?;
            exec::execute(cmd, &mut book, &mut exec::LocalEnv { out })
        }
    }
}

fn keymap_command(action: KeymapCommand, out: &mut dyn Write) -> CmdResult {
    match action {
        KeymapCommand::PrintDefault => {
            write!(out, "{}", crate::tui::keymap::DEFAULT_KEYMAP)?;
            Ok(())
        }
        KeymapCommand::Check { file } => {
            let path = file
                .or_else(crate::paths::user_keymap)
                .ok_or_else(|| Failure::new(exit::FAILURE, "no keymap file given"))?;
            if !path.exists() {
                writeln!(
                    out,
                    "{}: no such file; the default keymap applies",
                    path.display()
                )?;
                return Ok(());
            }
            let errors = crate::tui::keymap::check(&path);
            if errors.is_empty() {
                writeln!(out, "{}: ok", path.display())?;
                Ok(())
            } else {
                let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                Err(Failure::new(exit::INVALID_INPUT, lines.join("\n")))
            }
        }
    }
}

fn open_tui(ctx: &Context, demo: bool, agenda: bool) -> CmdResult {
    let mut book = ctx.book()?;
    if demo && book.store().is_empty()? {
        eprintln!("creating the demo book in {} …", ctx.db.display());
        let out = &mut std::io::stderr();
        exec::fill_demo(&mut book, 300, 300 * 14, 42, &mut exec::LocalEnv { out })?;
    }
    let opts = crate::tui::RunOptions {
        db_label: ctx.db.display().to_string(),
        agenda,
        keymap_path: crate::paths::user_keymap(),
        color: None,
    };
    crate::tui::run(&mut book, opts).map_err(|e| Failure::new(exit::FAILURE, format!("{e:#}")))
}
