//! Command-line twins of every view: import, export, demo data, reports.
//! `run` dispatches a parsed command line; each command prints its result to
//! stdout and its errors to stderr, with a meaningful exit code.

pub mod args;
pub mod columns;
pub mod demo;
pub mod export;
pub mod import;
mod names;
pub mod report;

use crate::book::{Book, BookError};
use crate::clock::Clock;
use crate::segment::Model;
use crate::store::{Store, StoreError};
use args::{Cli, Command, KeymapCommand, ModelCommand};
use std::io::Write;
use std::path::{Path, PathBuf};
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

type CmdResult = Result<(), Failure>;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    match dispatch(cli) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(f) => {
            // A closed stdout (e.g. `kam export | head`) is not an error worth a message.
            if !f.message.is_empty() {
                eprintln!("kam: {}", f.message);
            }
            ExitCode::from(f.code)
        }
    }
}

struct Context {
    db: PathBuf,
    clock: Clock,
    user: String,
}

impl Context {
    fn store(&self) -> Result<Store, Failure> {
        Ok(Store::open(&self.db)?)
    }

    fn book(&self) -> Result<Book, Failure> {
        Ok(Book::open(self.store()?, self.clock, &self.user)?)
    }
}

fn dispatch(cli: Cli) -> CmdResult {
    let clock = Clock::from_override(cli.as_of.as_deref())
        .map_err(|e| Failure::new(exit::USAGE, e))?;
    let db = match (&cli.db, cli.demo) {
        (Some(db), _) => Some(db.clone()),
        (None, true) => crate::paths::demo_db(),
        (None, false) => crate::paths::default_db(),
    }
    .ok_or_else(|| Failure::new(exit::FAILURE, "cannot find a home directory; pass --db DIR"))?;
    let ctx = Context {
        db,
        clock,
        user: crate::identity::current_user(),
    };
    let out = &mut std::io::stdout().lock();
    match cli.command {
        None => open_tui(&ctx, cli.demo, cli.agenda),
        Some(Command::Demo(a)) => {
            let store = ctx.store()?;
            let interactions = a.interactions.unwrap_or(a.accounts * 14);
            let summary = fill_demo(&ctx, &store, a.accounts, interactions, a.seed)?;
            drop(store);
            let book = ctx.book()?;
            writeln!(
                out,
                "demo book written to {}: {} accounts, {} contacts, {} interactions, {} follow-ups",
                ctx.db.display(),
                summary.accounts,
                summary.contacts,
                summary.interactions,
                summary.followups
            )?;
            write!(out, "{}", report::matrix_text(book.engine()))?;
            Ok(())
        }
        Some(Command::Import {
            kind,
            file,
            dry_run,
        }) => {
            let mut book = ctx.book()?;
            let plan = import::plan_import(book.store(), kind, &file, &ctx.user)
                .map_err(import_failure)?;
            let (created, updated, skipped) = (plan.created, plan.updated, plan.skipped);
            let mut moved = Vec::new();
            if !dry_run {
                moved = book.apply(plan.batch)?.tier_changes;
            }
            writeln!(
                out,
                "{kind}: {created} created, {updated} updated, {skipped} skipped{}",
                if dry_run { " (dry run: nothing written)" } else { "" }
            )?;
            for c in &moved {
                let key = book.account(c.account).map(|a| a.key.as_str()).unwrap_or("?");
                writeln!(out, "{key}: {}", c.summary())?;
            }
            Ok(())
        }
        Some(Command::Export {
            kind,
            format,
            output,
        }) => {
            let store = ctx.store()?;
            let res = match output {
                Some(path) => export::export_to_path(&store, kind, format, &path),
                None => export::export(&store, kind, format, out),
            };
            res.map_err(export_failure)
        }
        Some(Command::Segments { json }) => {
            let book = ctx.book()?;
            let lookup = book.accounts_map();
            if json {
                writeln!(out, "{:#}", report::segments_json(book.engine(), lookup))?;
            } else {
                write!(out, "{}", report::segments_text(book.engine(), lookup))?;
            }
            Ok(())
        }
        Some(Command::Explain { key, json }) => {
            let book = ctx.book()?;
            let id = book
                .account_by_key(&key)
                .map(|a| a.id)
                .ok_or_else(|| Failure::new(exit::INVALID_INPUT, format!("no account with key '{key}'")))?;
            let lookup = book.accounts_map();
            let missing = || Failure::new(exit::FAILURE, "no score for this account");
            if json {
                let v = report::explain_json(book.engine(), lookup, id).ok_or_else(missing)?;
                writeln!(out, "{v:#}")?;
            } else {
                let t = report::explain_text(book.engine(), lookup, id).ok_or_else(missing)?;
                write!(out, "{t}")?;
            }
            Ok(())
        }
        Some(Command::Agenda { owner, json }) => {
            let book = ctx.book()?;
            let owner = match owner.as_deref() {
                Some("all") => None,
                Some(o) => Some(o.to_string()),
                None => Some(ctx.user.clone()),
            };
            let lookup = book.accounts_map();
            if json {
                let v = report::agenda_json(book.engine(), lookup, owner.as_deref(), &book.followups()?);
                writeln!(out, "{v:#}")?;
            } else {
                let t = report::agenda_text(book.engine(), lookup, owner.as_deref(), &book.followups()?);
                write!(out, "{t}")?;
            }
            Ok(())
        }
        Some(Command::Matrix) => {
            let book = ctx.book()?;
            write!(out, "{}", report::matrix_text(book.engine()))?;
            Ok(())
        }
        Some(Command::Model { action }) => model_command(&ctx, action, out),
        Some(Command::Pin { key, tier, reason }) => {
            let mut book = ctx.book()?;
            let applied = book.pin(&key, &tier, &reason)?;
            writeln!(out, "{key}: pinned to {tier}")?;
            print_changes(&book, &applied.tier_changes, out)
        }
        Some(Command::Unpin { key }) => {
            let mut book = ctx.book()?;
            let applied = book.unpin(&key)?;
            writeln!(out, "{key}: unpinned")?;
            print_changes(&book, &applied.tier_changes, out)
        }
        Some(Command::Review) => {
            let mut book = ctx.book()?;
            let n = book.mark_review()?;
            writeln!(out, "review marked as of {}: {n} accounts", ctx.clock.today())?;
            Ok(())
        }
        Some(Command::Keymap { action }) => keymap_command(action, out),
    }
}

fn print_changes(
    book: &Book,
    changes: &[crate::segment::TierChange],
    out: &mut dyn Write,
) -> CmdResult {
    for c in changes {
        let key = book.account(c.account).map(|a| a.key.as_str()).unwrap_or("?");
        writeln!(out, "{key}: {}", c.summary())?;
    }
    Ok(())
}

fn import_failure(e: import::ImportFailure) -> Failure {
    match e {
        import::ImportFailure::Store(s) => s.into(),
        import::ImportFailure::Io(m) => Failure::new(exit::FAILURE, m),
        other => Failure::new(exit::INVALID_INPUT, other),
    }
}

fn export_failure(e: export::ExportError) -> Failure {
    match e {
        export::ExportError::Store(s) => s.into(),
        export::ExportError::Io(m) if m.contains("Broken pipe") => Failure::new(exit::OK, ""),
        other => Failure::new(exit::FAILURE, other),
    }
}

fn fill_demo(
    ctx: &Context,
    store: &Store,
    accounts: usize,
    interactions: usize,
    seed: u64,
) -> Result<demo::DemoSummary, Failure> {
    let params = demo::DemoParams {
        accounts,
        interactions,
        seed,
        today: ctx.clock.today(),
        user: ctx.user.clone(),
    };
    let mut last = 0;
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let summary = demo::write_demo(store, &params, &mut |n| {
        if interactive && n >= last + 1000 {
            last = n;
            eprint!("\rwriting demo book: {n} accounts");
        }
    })
    .map_err(|e| match e {
        demo::DemoError::Store(s) => Failure::from(s),
        other => Failure::new(exit::INVALID_INPUT, other),
    })?;
    if interactive && last > 0 {
        eprintln!();
    }
    Ok(summary)
}

fn model_command(ctx: &Context, action: ModelCommand, out: &mut dyn Write) -> CmdResult {
    let mut book = ctx.book()?;
    let (model, dry_run) = match action {
        ModelCommand::Show => {
            write!(out, "{}", book.engine().model().to_toml())?;
            return Ok(());
        }
        ModelCommand::Apply { file, dry_run } => (read_model(&file)?, dry_run),
        ModelCommand::Preset { name, dry_run } => {
            let m = Model::preset(&name).ok_or_else(|| {
                Failure::new(
                    exit::INVALID_INPUT,
                    format!(
                        "unknown preset '{name}' (presets: {})",
                        Model::PRESET_NAMES.join(", ")
                    ),
                )
            })?;
            (m, dry_run)
        }
    };
    let changes = if dry_run {
        book.engine().dry_run(&model)
    } else {
        book.set_model(model.clone())?
    };
    let verb = if dry_run { "would change" } else { "changed" };
    writeln!(
        out,
        "model {}: {} accounts {verb} tier{}",
        model.name,
        changes.len(),
        if dry_run { " (dry run: nothing written)" } else { "" }
    )?;
    for c in &changes {
        let key = book.account(c.account).map(|a| a.key.as_str()).unwrap_or("?");
        writeln!(
            out,
            "{key}: {} → {}",
            c.from.as_deref().unwrap_or("-"),
            c.to
        )?;
    }
    Ok(())
}

fn read_model(path: &Path) -> Result<Model, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::new(exit::FAILURE, format!("{}: {e}", path.display())))?;
    Model::from_toml(&text)
        .map_err(|e| Failure::new(exit::INVALID_INPUT, format!("{}: {e}", path.display())))
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
                writeln!(out, "{}: no such file; the default keymap applies", path.display())?;
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
    if demo {
        let store = ctx.store()?;
        if store.is_empty()? {
            eprintln!("creating the demo book in {} …", ctx.db.display());
            fill_demo(ctx, &store, 300, 300 * 14, 42)?;
        }
    }
    let mut book = ctx.book()?;
    let opts = crate::tui::RunOptions {
        db_label: ctx.db.display().to_string(),
        agenda,
        keymap_path: crate::paths::user_keymap(),
        color: None,
    };
    crate::tui::run(&mut book, opts).map_err(|e| Failure::new(exit::FAILURE, format!("{e:#}")))
}
