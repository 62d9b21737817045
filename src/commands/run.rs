//! Running a book command: every operation a front end runs on the book,
//! its output written through `CmdEnv`, its failure a `CommandError`.

use super::report;
use super::{CmdEnv, CmdResult, Command, CommandError, ErrorKind, ModelCommand};
use crate::book::{Book, WriteOp};
use crate::clock::Clock;
use crate::demo;
use crate::segment::{Model, TierChange};
use crate::transfer::export;
use crate::transfer::import;
use std::io::Write;
use std::path::Path;

/// Runs one book command. `book` may be replaced (the demo rebuilds it).
pub fn execute(cmd: Command, book: &mut Book, env: &mut dyn CmdEnv) -> CmdResult {
    match cmd {
        Command::Demo {
            accounts,
            interactions,
            seed,
        } => {
            let interactions =
                interactions.unwrap_or_else(|| demo::DemoParams::default_interactions(accounts));
            let summary = fill_demo(book, accounts, interactions, seed, env)?;
            writeln!(
                env.out(),
                "demo book written to {}: {} accounts, {} contacts, {} interactions, {} follow-ups",
                book.store().path().display(),
                summary.accounts,
                summary.contacts,
                summary.interactions,
                summary.followups
            )?;
            let output = env.output();
            write!(env.out(), "{}", report::matrix_text(book.engine(), &output))?;
            Ok(())
        }
        Command::Import {
            kind,
            file,
            dry_run,
            options,
        } => {
            let (input, len) = env.open_file(&file).map_err(|e| {
                CommandError::new(ErrorKind::Failed, format!("{}: {e}", file.display()))
            })?;
            let name = file.display().to_string();
            let source = import::Source {
                input,
                len,
                name: &name,
                options: &options,
            };
            let request = env.request();
            let mut ticker: Option<super::output::Ticker> = None;
            let what = format!("import {kind}");
            let outcome =
                import::import_source(book, kind, source, dry_run, request, &mut |done, total| {
                    let t = ticker.get_or_insert_with(|| super::output::Ticker::new(&what, total));
                    if let Some(step) = t.step(done) {
                        env.progress(step);
                    }
                })
                .map_err(import_failure)?;
            if let (true, Some(n)) = (dry_run, outcome.import) {
                writeln!(
                    env.out(),
                    "{kind}: {} created, {} updated, {} skipped (dry run: nothing written)",
                    n.created,
                    n.updated,
                    n.skipped
                )?;
                return Ok(());
            }
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
                        (Err(e), None) => Err(CommandError::new(ErrorKind::Failed, e)),
                    }
                }
                None => export::export(store, kind, format, env.out()).map_err(export_failure),
            }
        }
        Command::Segments { json, view } => super::views::segments(book, json, view, env),
        Command::Views(cmd) => super::views::views(book, cmd, env),
        Command::Explain { key, json } => {
            let id = book.find_account(&key)?.id;
            let lookup = super::report::Labels::of(book)?;
            let missing = || CommandError::new(ErrorKind::Failed, "no score for this account");
            if json {
                let v = report::explain_json(book.engine(), &lookup, id).ok_or_else(missing)?;
                writeln!(env.out(), "{v:#}")?;
            } else {
                let output = env.output();
                let t = report::explain_text(book.engine(), &lookup, id, &output)
                    .ok_or_else(missing)?;
                write!(env.out(), "{t}")?;
            }
            Ok(())
        }
        Command::Agenda { owner, json, ics } => {
            let owner = match owner.as_deref() {
                Some("all") => None,
                Some(o) => Some(o.to_string()),
                None => Some(book.user().to_string()),
            };
            let lookup = super::report::Labels::of(book)?;
            // Through the book, so snoozed items stay hidden as in the TUI.
            let items = book.agenda_shared(owner.as_deref())?;
            if let Some(o) = owner.as_deref()
                && !book.engine().has_owner(o)
            {
                env.warn(&format!("no accounts owned by '{o}'"));
            }
            if ics {
                let text = super::ics::calendar(&lookup, book.today(), owner.as_deref(), &items);
                env.out().write_all(text.as_bytes())?;
            } else if json {
                super::agenda_json::write(
                    book.engine(),
                    &lookup,
                    owner.as_deref(),
                    &items,
                    env.out(),
                )?;
            } else {
                let output = env.output();
                let t =
                    report::agenda_text(book.engine(), &lookup, owner.as_deref(), &items, &output);
                write!(env.out(), "{t}")?;
            }
            Ok(())
        }
        Command::Matrix { json } => {
            if json {
                writeln!(env.out(), "{:#}", report::matrix_json(book.engine()))?;
            } else {
                let output = env.output();
                write!(env.out(), "{}", report::matrix_text(book.engine(), &output))?;
            }
            Ok(())
        }
        Command::Model(action) => model_command(book, action, env),
        Command::Bulk {
            filter,
            fields,
            dry_run,
        } => super::bulk::bulk(book, &filter, &fields, dry_run, env),
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
                .and_then(|a| a.into_owned().pin)
                .map_or(String::new(), |p| p.tier);
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
        Command::Log { key, json, limit } => log_command(book, key, json, limit, env),
        Command::Touch { .. }
        | Command::Note { .. }
        | Command::Order { .. }
        | Command::Payment { .. }
        | Command::Complaint { .. } => super::daily::execute(cmd, book, env),
        Command::Resolve { .. } => super::resolve::execute(cmd, book, env),
        Command::FollowUp(action) => super::followup::execute(action, book, env),
        Command::KeyDate(action) => super::keydate::execute(action, book, env),
        Command::Digest { user, format } => super::digest::execute(book, user, format, env),
        Command::Hooks(action) => super::hooks::execute(action, book, env),
        Command::AccountSet { key, fields } => super::account::set(book, &key, &fields, env),
        Command::Show { key, json } => super::view::show(book, &key, json, env.out()),
        Command::Timeline {
            key,
            kind,
            limit,
            json,
        } => super::view::timeline(book, &key, kind.as_deref(), limit, json, env.out()),
        Command::Backup => super::backup::backup(book, env),
        Command::Check => super::check::check(book, env),
        Command::ReviewStart { json, confirm_all } => {
            super::review::start(book, json, confirm_all, env)
        }
        Command::Merge {
            keep,
            drop,
            take,
            dry_run,
            json,
        } => super::merge::merge(book, &keep, &drop, &take, dry_run, json, env),
        Command::Duplicates { json } => super::merge::duplicates(book, json, env),
        Command::Report {
            from,
            to,
            owner,
            json,
        } => super::kpi::report(book, from, to, owner, json, env),
        Command::Undo => {
            let out = book.execute(WriteOp::Undo, env.request())?;
            let undone = out.undone.unwrap_or_default();
            let entry = book.changes_since(undone.saturating_sub(1))?;
            match entry.first().filter(|e| e.seq == undone) {
                Some(e) => writeln!(
                    env.out(),
                    "Undone {}",
                    crate::describe::undone_summary(e, book.user())
                )?,
                None => writeln!(env.out(), "Undone change #{undone}")?,
            }
            print_changes(book, &out.tier_changes, env.out())
        }
    }
}

/// `kam log [KEY] [--json] [--limit N]`, newest first.
fn log_command(
    book: &Book,
    key: Option<String>,
    json: bool,
    limit: Option<usize>,
    env: &mut dyn CmdEnv,
) -> CmdResult {
    let output = env.output();
    let out = env.out();
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
        writeln!(out, "{:#}", crate::describe::log_json(&entries, only))?;
    } else {
        let text = crate::describe::log_text(&entries, only);
        write!(out, "{}", report::fit_lines(&text, &output))?;
    }
    Ok(())
}

pub(super) fn print_changes(book: &Book, changes: &[TierChange], out: &mut dyn Write) -> CmdResult {
    for c in changes {
        let key = book
            .account(c.account)
            .map_or_else(|| "?".to_string(), |a| a.key.clone());
        writeln!(out, "{key}: {}", c.summary())?;
    }
    Ok(())
}

fn import_failure(e: import::ImportFailure) -> CommandError {
    match e {
        import::ImportFailure::Store(s) => s.into(),
        import::ImportFailure::Book(b) => b.into(),
        import::ImportFailure::Io(m) => CommandError::new(ErrorKind::Failed, m),
        other => CommandError::new(ErrorKind::Invalid, other),
    }
}

fn export_failure(e: export::ExportError) -> CommandError {
    match e {
        export::ExportError::Store(s) => s.into(),
        // `kam export | head` closes the pipe early: not worth a message.
        export::ExportError::Io(m) if m.contains("Broken pipe") => CommandError::quiet(),
        export::ExportError::Unsupported(m) => CommandError::new(ErrorKind::Usage, m),
        other => CommandError::new(ErrorKind::Failed, other),
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
) -> Result<demo::DemoSummary, CommandError> {
    let params = demo::DemoParams {
        accounts,
        interactions,
        seed,
        today: book.today(),
        user: book.user().to_string(),
    };
    let mut ticker = super::output::Ticker::new("demo book", accounts as u64);
    if let Some(step) = ticker.step(0) {
        env.progress(step);
    }
    let summary = demo::write_demo(book.store(), &params, &mut |n| {
        if let Some(step) = ticker.step(n as u64) {
            env.progress(step);
        }
    })
    .map_err(|e| match e {
        demo::DemoError::Store(s) => CommandError::from(s),
        other => CommandError::new(ErrorKind::Invalid, other),
    })?;
    if let Some(step) = ticker.step(accounts as u64) {
        env.progress(step);
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
                CommandError::new(
                    ErrorKind::Invalid,
                    format!(
                        "unknown preset '{name}' (presets: {})",
                        Model::PRESET_NAMES.join(", ")
                    ),
                )
            })?;
            (m, dry_run)
        }
    };
    // Re-scoring is one step of the engine: the bar shows it started and
    // ended (on a large book it is the wait worth seeing).
    let mut ticker = super::output::Ticker::new(format!("model {}", model.name), 1);
    if let Some(step) = ticker.step(0) {
        env.progress(step);
    }
    let changes = if dry_run {
        book.engine().dry_run(&model)
    } else {
        let op = WriteOp::SetModel {
            toml: model.to_toml(),
        };
        book.execute(op, env.request())?.tier_changes
    };
    if let Some(step) = ticker.step(1) {
        env.progress(step);
    }
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
            .map_or_else(|| "?".to_string(), |a| a.key.clone());
        writeln!(
            out,
            "{key}: {} → {}",
            c.from.as_deref().unwrap_or("-"),
            c.to
        )?;
    }
    Ok(())
}

fn read_model(path: &Path, env: &mut dyn CmdEnv) -> Result<Model, CommandError> {
    let bytes = env
        .read_file(path)
        .map_err(|e| CommandError::new(ErrorKind::Failed, format!("{}: {e}", path.display())))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        CommandError::new(
            ErrorKind::Invalid,
            format!("{}: not UTF-8 text", path.display()),
        )
    })?;
    Model::from_toml(&text)
        .map_err(|e| CommandError::new(ErrorKind::Invalid, format!("{}: {e}", path.display())))
}
