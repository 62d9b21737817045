//! The commands that work on a book. They run in this process on the
//! embedded database, or inside the team server on behalf of a client: all
//! their input and output goes through `CmdEnv`, never straight to the
//! process's files or terminal.

use super::args::{Command, ModelCommand};
use super::{CmdResult, Failure, demo, exit, export, import, report};
use crate::book::{Book, BookError, RequestId, WriteOp};
use crate::clock::Clock;
use crate::segment::{Model, TierChange};
use std::io::Write;
use std::path::Path;

/// Where a command reads its input files and writes its output.
pub trait CmdEnv {
    /// Standard output of the command.
    fn out(&mut self) -> &mut dyn Write;
    /// The whole content of an input file named on the command line.
    fn read_file(&mut self, path: &Path) -> std::io::Result<Vec<u8>>;
    /// Writes an output file named on the command line, all or nothing.
    fn write_file(
        &mut self,
        path: &Path,
        fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()>;
    /// A progress note for a long command (shown on a terminal, else dropped).
    fn progress(&mut self, _note: &str) {}
    /// The client's id for this command: a write resent after a lost
    /// connection is then applied once (`Book::execute`).
    fn request(&self) -> Option<RequestId> {
        None
    }
}

/// The process's own stdout and files.
pub struct LocalEnv<'a> {
    pub out: &'a mut dyn Write,
}

impl CmdEnv for LocalEnv<'_> {
    fn out(&mut self) -> &mut dyn Write {
        self.out
    }

    fn read_file(&mut self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn write_file(
        &mut self,
        path: &Path,
        fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        export::write_atomically(path, fill)
    }

    fn progress(&mut self, note: &str) {
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            eprint!("\r{note}");
        }
    }
}

/// True for the commands `execute` handles (everything that needs a book).
pub fn needs_book(cmd: &Command) -> bool {
    !matches!(
        cmd,
        Command::Keymap { .. } | Command::Serve | Command::Server { .. }
    )
}

/// True for the commands that change the book (dry runs do not).
pub fn is_write(cmd: &Command) -> bool {
    match cmd {
        Command::Demo(_)
        | Command::Pin { .. }
        | Command::Unpin { .. }
        | Command::Review
        | Command::Undo => true,
        Command::Import { dry_run, .. } => !dry_run,
        Command::Model { action } => match action {
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
        Command::Import { file, .. }
        | Command::Model {
            action: ModelCommand::Apply { file, .. },
        } => vec![file.clone()],
        _ => Vec::new(),
    }
}

/// A one-line description of a write, for other users' notifications.
pub fn summary(cmd: &Command) -> String {
    match cmd {
        Command::Demo(a) => format!("demo book ({} accounts)", a.accounts),
        Command::Import { kind, file, .. } => {
            let name = file.file_name().unwrap_or_default().to_string_lossy();
            format!("import {kind} from {name}")
        }
        Command::Pin { key, tier, .. } => format!("pinned {key} to {tier}"),
        Command::Unpin { key } => format!("unpinned {key}"),
        Command::Review => "marked a tier review".into(),
        Command::Undo => "undid their last change".into(),
        Command::Model {
            action: ModelCommand::Apply { .. },
        } => "applied a scoring model".into(),
        Command::Model {
            action: ModelCommand::Preset { name, .. },
        } => format!("switched the scoring model to {name}"),
        other => format!("{other:?}"),
    }
}

/// Runs one book command. `book` may be replaced (the demo rebuilds it).
pub fn execute(cmd: Command, book: &mut Book, env: &mut dyn CmdEnv) -> CmdResult {
    match cmd {
        Command::Demo(a) => {
            let interactions = a.interactions.unwrap_or(a.accounts * 14);
            let summary = fill_demo(book, a.accounts, interactions, a.seed, env)?;
            let out = env.out();
            writeln!(
                out,
                "demo book written to {}: {} accounts, {} contacts, {} interactions, {} follow-ups",
                book.store().path().display(),
                summary.accounts,
                summary.contacts,
                summary.interactions,
                summary.followups
            )?;
            write!(out, "{}", report::matrix_text(book.engine()))?;
            Ok(())
        }
        Command::Import {
            kind,
            file,
            dry_run,
        } => {
            let bytes = env
                .read_file(&file)
                .map_err(|e| Failure::new(exit::FAILURE, format!("{}: {e}", file.display())))?;
            let name = file.display().to_string();
            if dry_run {
                let plan = import::plan_import_from(
                    book.store(),
                    kind,
                    bytes.as_slice(),
                    &name,
                    book.user(),
                    book.today(),
                )
                .map_err(import_failure)?;
                let (created, updated, skipped) = (plan.created, plan.updated, plan.skipped);
                writeln!(
                    env.out(),
                    "{kind}: {created} created, {updated} updated, {skipped} skipped \
                     (dry run: nothing written)"
                )?;
                return Ok(());
            }
            let op = WriteOp::Import {
                kind: kind.to_string(),
                file_name: name,
                bytes,
                dry_run: false,
            };
            let outcome = book.execute(op, env.request()).map_err(book_failure)?;
            match outcome.import {
                Some(n) => writeln!(
                    env.out(),
                    "{kind}: {} created, {} updated, {} skipped",
                    n.created,
                    n.updated,
                    n.skipped
                )?,
                // A resend whose first answer was lost with the server.
                None => writeln!(
                    env.out(),
                    "{kind}: imported already (change #{})",
                    outcome.seq.unwrap_or_default()
                )?,
            }
            print_changes(book, &outcome.tier_changes, env.out())
        }
        Command::Export {
            kind,
            format,
            output,
        } => {
            let store = book.store();
            match output {
                Some(path) => {
                    let mut failure = None;
                    let res = env.write_file(&path, &mut |w| {
                        export::export(store, kind, format, w).map_err(|e| {
                            let msg = e.to_string();
                            failure = Some(e);
                            std::io::Error::other(msg)
                        })
                    });
                    match (res, failure) {
                        (Ok(()), _) => Ok(()),
                        (Err(_), Some(e)) => Err(export_failure(e)),
                        (Err(e), None) => Err(Failure::new(exit::FAILURE, e)),
                    }
                }
                None => export::export(store, kind, format, env.out()).map_err(export_failure),
            }
        }
        Command::Segments { json } => {
            let lookup = book.accounts_map();
            if json {
                writeln!(
                    env.out(),
                    "{:#}",
                    report::segments_json(book.engine(), lookup)
                )?;
            } else {
                write!(
                    env.out(),
                    "{}",
                    report::segments_text(book.engine(), lookup)
                )?;
            }
            Ok(())
        }
        Command::Explain { key, json } => {
            let id = book.find_account(&key)?.id;
            let lookup = book.accounts_map();
            let missing = || Failure::new(exit::FAILURE, "no score for this account");
            if json {
                let v = report::explain_json(book.engine(), lookup, id).ok_or_else(missing)?;
                writeln!(env.out(), "{v:#}")?;
            } else {
                let t = report::explain_text(book.engine(), lookup, id).ok_or_else(missing)?;
                write!(env.out(), "{t}")?;
            }
            Ok(())
        }
        Command::Agenda { owner, json } => {
            let owner = match owner.as_deref() {
                Some("all") => None,
                Some(o) => Some(o.to_string()),
                None => Some(book.user().to_string()),
            };
            let lookup = book.accounts_map();
            // Through the book, so snoozed items stay hidden as in the TUI.
            let items = book.agenda(owner.as_deref())?;
            if json {
                let v = report::agenda_json(book.engine(), lookup, owner.as_deref(), &items);
                writeln!(env.out(), "{v:#}")?;
            } else {
                let t = report::agenda_text(book.engine(), lookup, owner.as_deref(), &items);
                write!(env.out(), "{t}")?;
            }
            Ok(())
        }
        Command::Matrix => {
            write!(env.out(), "{}", report::matrix_text(book.engine()))?;
            Ok(())
        }
        Command::Model { action } => model_command(book, action, env),
        Command::Pin { key, tier, reason } => {
            // The stored spelling of the key, for the op and the message.
            let key = book.find_account(&key)?.key.clone();
            let op = WriteOp::Pin {
                key: key.clone(),
                tier,
                reason,
            };
            let outcome = book.execute(op, env.request())?;
            let tier = book
                .account_by_key(&key)
                .and_then(|a| a.pin.as_ref())
                .map_or(String::new(), |p| p.tier.clone());
            match outcome.seq {
                Some(_) => writeln!(env.out(), "{key}: pinned to {tier}")?,
                None => writeln!(env.out(), "{key}: pinned to {tier} already")?,
            }
            print_changes(book, &outcome.tier_changes, env.out())
        }
        Command::Unpin { key } => {
            let key = book.find_account(&key)?.key.clone();
            let op = WriteOp::Unpin { key: key.clone() };
            let outcome = book.execute(op, env.request())?;
            writeln!(env.out(), "{key}: unpinned")?;
            print_changes(book, &outcome.tier_changes, env.out())
        }
        Command::Review => {
            let n = book.execute(WriteOp::MarkReview, env.request())?.count;
            writeln!(
                env.out(),
                "review marked as of {}: {}",
                book.today(),
                report::plural(n, "account")
            )?;
            Ok(())
        }
        Command::Log { key, json, limit } => log_command(book, key, json, limit, env.out()),
        Command::Undo => {
            let out = book.execute(WriteOp::Undo, env.request())?;
            let undone = out.undone.unwrap_or_default();
            let entry = book.changes_since(undone.saturating_sub(1))?;
            match entry.first().filter(|e| e.seq == undone) {
                Some(e) => writeln!(
                    env.out(),
                    "Undone {}",
                    super::log::undone_summary(e, book.user())
                )?,
                None => writeln!(env.out(), "Undone change #{undone}")?,
            }
            print_changes(book, &out.tier_changes, env.out())
        }
        Command::Keymap { .. } | Command::Serve | Command::Server { .. } => {
            Err(Failure::new(exit::FAILURE, "not a command on the book"))
        }
    }
}

/// `kam log [KEY] [--json] [--limit N]`, newest first.
fn log_command(
    book: &Book,
    key: Option<String>,
    json: bool,
    limit: Option<usize>,
    out: &mut dyn Write,
) -> CmdResult {
    let only = match &key {
        Some(k) => Some(book.find_account(k)?.id),
        None => None,
    };
    let mut entries = match only {
        Some(id) => book.history(id)?,
        None => book.changes_since(0)?,
    };
    if let Some(n) = limit {
        entries.drain(..entries.len().saturating_sub(n));
    }
    if json {
        writeln!(out, "{:#}", super::log::log_json(&entries, only))?;
    } else {
        write!(out, "{}", super::log::log_text(&entries, only))?;
    }
    Ok(())
}

fn print_changes(book: &Book, changes: &[TierChange], out: &mut dyn Write) -> CmdResult {
    for c in changes {
        let key = book
            .account(c.account)
            .map(|a| a.key.as_str())
            .unwrap_or("?");
        writeln!(out, "{key}: {}", c.summary())?;
    }
    Ok(())
}

/// A book error with the exit code of its kind (an import's own failures
/// keep theirs).
fn book_failure(e: BookError) -> Failure {
    match e {
        BookError::Import(f) => import_failure(f),
        other => other.into(),
    }
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
        // `kam export | head` closes the pipe early: not worth a message.
        export::ExportError::Io(m) if m.contains("Broken pipe") => Failure::new(exit::OK, ""),
        other => Failure::new(exit::FAILURE, other),
    }
}

/// Writes the demo book into the (empty) store behind `book`, then reloads
/// the book so it scores the new records.
pub fn fill_demo(
    book: &mut Book,
    accounts: usize,
    interactions: usize,
    seed: u64,
    env: &mut dyn CmdEnv,
) -> Result<demo::DemoSummary, Failure> {
    let params = demo::DemoParams {
        accounts,
        interactions,
        seed,
        today: book.today(),
        user: book.user().to_string(),
    };
    let mut last = 0;
    let mut notes = Vec::new();
    let summary = demo::write_demo(book.store(), &params, &mut |n| {
        if n >= last + 1000 {
            last = n;
            notes.push(n);
        }
    })
    .map_err(|e| match e {
        demo::DemoError::Store(s) => Failure::from(s),
        other => Failure::new(exit::INVALID_INPUT, other),
    })?;
    if let Some(n) = notes.last() {
        env.progress(&format!("demo book: {n} accounts written\n"));
    }
    let (store, clock, user) = (
        book.store().clone(),
        Clock::fixed(book.today()),
        book.user().to_string(),
    );
    *book = Book::open(store, clock, &user)?;
    Ok(summary)
}

fn model_command(book: &mut Book, action: ModelCommand, env: &mut dyn CmdEnv) -> CmdResult {
    let (model, dry_run) = match action {
        ModelCommand::Show => {
            write!(env.out(), "{}", book.engine().model().to_toml())?;
            return Ok(());
        }
        ModelCommand::Apply { file, dry_run } => (read_model(&file, env)?, dry_run),
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
        let op = WriteOp::SetModel {
            toml: model.to_toml(),
        };
        book.execute(op, env.request())?.tier_changes
    };
    let out = env.out();
    writeln!(
        out,
        "model {}: {} {} tier{}",
        model.name,
        report::plural(changes.len(), "account"),
        if dry_run { "would change" } else { "changed" },
        if dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    )?;
    for c in &changes {
        let key = book
            .account(c.account)
            .map(|a| a.key.as_str())
            .unwrap_or("?");
        writeln!(
            out,
            "{key}: {} → {}",
            c.from.as_deref().unwrap_or("-"),
            c.to
        )?;
    }
    Ok(())
}

fn read_model(path: &Path, env: &mut dyn CmdEnv) -> Result<Model, Failure> {
    let bytes = env
        .read_file(path)
        .map_err(|e| Failure::new(exit::FAILURE, format!("{}: {e}", path.display())))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::new(
            exit::INVALID_INPUT,
            format!("{}: not UTF-8 text", path.display()),
        )
    })?;
    Model::from_toml(&text)
        .map_err(|e| Failure::new(exit::INVALID_INPUT, format!("{}: {e}", path.display())))
}
