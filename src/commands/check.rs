//! `kam check`: the store's own check of every entry (`Store::verify`), and
//! the book's derived state against a full recompute from the stored
//! records (a fresh engine: what the book would be if it were opened now).
//! Every problem is listed; any problem fails with the database kind
//! (exit 4).

use super::{CmdEnv, CmdResult, CommandError};
use crate::book::query::RowText;
use crate::book::{Book, META_MODEL};
use crate::segment::{AccountScore, Engine, Model};
use crate::store::Store;
use std::collections::BTreeMap;
use std::io::Write;

/// Scores this close are the same score (the book's engine is updated
/// record by record, the fresh one all at once).
const SCORE_TOLERANCE: f64 = 1e-6;

pub fn check(book: &Book, env: &mut dyn CmdEnv) -> CmdResult {
    let derived = derived_problems(book)?;
    report(book.store(), derived, env.out())
}

/// `kam check` on a database whose book cannot be opened (a record that
/// cannot be read stops `Book::open`): the store's check alone.
pub fn check_store(store: &Store, out: &mut dyn Write) -> CmdResult {
    report(store, Vec::new(), out)
}

fn report(store: &Store, derived: Vec<String>, out: &mut dyn Write) -> CmdResult {
    let verified = store.verify()?;
    let mut problems: Vec<String> = verified.problems.iter().map(|p| p.to_string()).collect();
    problems.extend(derived);
    let n = |tree: &str| {
        verified
            .records
            .iter()
            .chain(&verified.entries)
            .find(|(t, _)| t == tree)
            .map_or(0, |(_, n)| *n)
    };
    writeln!(
        out,
        "checked {}: {} accounts, {} contacts, {} interactions, {} follow-ups, {} changes",
        store.path().display(),
        n("accounts"),
        n("contacts"),
        n("interactions"),
        n("followups"),
        n("audit"),
    )?;
    for p in &problems {
        writeln!(out, "problem: {p}")?;
    }
    if problems.is_empty() {
        writeln!(out, "no problems found")?;
        return Ok(());
    }
    Err(CommandError::database(format!(
        "the database at {} has {} (listed above); `kam restore` a backup or restore point \
         into a new directory",
        store.path().display(),
        crate::domain::text::plural(problems.len(), "problem")
    )))
}

/// The book's records and scores against a recompute from the store.
fn derived_problems(book: &Book) -> Result<Vec<String>, CommandError> {
    let store = book.store();
    let mut problems = Vec::new();
    let model = match store.meta_get(META_MODEL) {
        Ok(Some(bytes)) => match Model::from_toml(&String::from_utf8_lossy(&bytes)) {
            Ok(m) => m,
            Err(e) => {
                problems.push(format!("named_blobs: the stored scoring model: {e}"));
                return Ok(problems);
            }
        },
        Ok(None) => Model::default(),
        Err(e) => {
            problems.push(format!("named_blobs: the stored scoring model: {e}"));
            return Ok(problems);
        }
    };
    // Records that cannot be read are listed by `verify`; the recompute
    // needs them all.
    let (Ok(accounts), Ok(contacts)) = (store.accounts(), store.contacts()) else {
        return Ok(problems);
    };
    let mut interactions = Vec::new();
    if store
        .for_each_interaction(|i| interactions.push(i))
        .is_err()
    {
        return Ok(problems);
    }
    if book.records_kept() {
        for a in &accounts {
            match book.account(a.id) {
                Some(mine) if *mine == *a => {}
                Some(mine) => problems.push(format!(
                    "book: account {} is version {} in the server's memory, {} on disk",
                    a.key, mine.version, a.version
                )),
                None => problems.push(format!("book: account {} is not loaded", a.key)),
            }
        }
    } else {
        // A book that serves screens keeps the records' text for its rows,
        // not the records: that is what it shows.
        let texts = book.row_texts()?;
        for a in &accounts {
            match texts.text_of(a.id) {
                Some(mine) if *mine == RowText::of(a) => {}
                Some(_) => problems.push(format!(
                    "book: account {} shows in the server's memory other than it is on disk",
                    a.key
                )),
                None => problems.push(format!("book: account {} is not loaded", a.key)),
            }
        }
    }
    let loaded = book.account_count()?;
    if loaded != accounts.len() {
        problems.push(format!(
            "book: {loaded} accounts loaded, {} stored",
            accounts.len()
        ));
    }
    let mut fresh = Engine::new(model, book.today());
    fresh.rebuild(&accounts, &contacts, interactions.iter());
    let key = |id| {
        book.account(id)
            .map_or_else(|| id.to_string(), |a| a.key.clone())
    };
    let mine: BTreeMap<_, AccountScore> = book
        .engine()
        .scores()
        .into_iter()
        .map(|s| (s.account, s))
        .collect();
    let theirs: BTreeMap<_, AccountScore> =
        fresh.scores().into_iter().map(|s| (s.account, s)).collect();
    if book.engine().model() != fresh.model() {
        problems.push("book: the scoring model in use is not the stored one".into());
    }
    for (id, want) in &theirs {
        let Some(have) = mine.get(id) else {
            problems.push(format!("scores: account {} has no score", key(*id)));
            continue;
        };
        let close = |a: f64, b: f64| (a - b).abs() <= SCORE_TOLERANCE;
        if have.tier != want.tier || have.computed_tier != want.computed_tier {
            problems.push(format!(
                "scores: account {} is in tier {} (computed {}), a recompute gives {} ({})",
                key(*id),
                have.tier,
                have.computed_tier,
                want.tier,
                want.computed_tier
            ));
        }
        if !close(have.value_score, want.value_score)
            || !close(have.potential_score, want.potential_score)
            || have.metrics != want.metrics
        {
            problems.push(format!(
                "scores: account {} scores {:.3}/{:.3}, a recompute gives {:.3}/{:.3}",
                key(*id),
                have.value_score,
                have.potential_score,
                want.value_score,
                want.potential_score
            ));
        }
    }
    for id in mine.keys().filter(|id| !theirs.contains_key(id)) {
        problems.push(format!(
            "scores: account {} is scored but not stored",
            key(*id)
        ));
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::Prepare;
    use crate::clock::Clock;
    use crate::domain::Account;

    /// A record changed on disk behind the book is named, whether the book
    /// keeps the records (a one-shot command) or only their rows' text (a
    /// server).
    #[test]
    fn an_account_changed_behind_the_book_is_named() {
        for prepare in [Prepare::Scores, Prepare::Rows] {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(dir.path()).unwrap();
            for (key, name) in [("K-1", "One"), ("K-2", "Two")] {
                store
                    .insert_account(Account {
                        key: key.into(),
                        name: name.into(),
                        owner: "ann".into(),
                        ..Account::default()
                    })
                    .unwrap();
            }
            let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
            let book = Book::open_with(store, Clock::fixed(today), "ann", prepare).unwrap();
            assert_eq!(book.records_kept(), prepare == Prepare::Scores);
            assert!(derived_problems(&book).unwrap().is_empty(), "{prepare:?}");
            let mut a = book.store().account_by_key("K-2").unwrap().unwrap();
            a.name = "Renamed behind".into();
            book.store().update_account(a).unwrap();
            let problems = derived_problems(&book).unwrap();
            assert!(
                problems
                    .iter()
                    .any(|p| p.starts_with("book: account K-2") && p.contains("memory")),
                "{prepare:?}: {problems:?}"
            );
        }
    }
}
