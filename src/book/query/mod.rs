//! The questions the screens ask, answered from the book: compact list rows
//! and a page of them for (filter, sort, offset, limit), fuzzy search, one
//! account's detail, a page of its timeline, the matrix with the moves since
//! the last review, and an agenda with account names.
//!
//! Pure reads over `Book`, so the embedded backend and the server answer
//! alike, and the filter language and fuzzy ranking (which the server must
//! evaluate) live here, below the backend, not in the TUI. A client asks for
//! a page; it never needs every account to show a list.

mod agenda;
pub mod filter;
pub mod fuzzy;
pub mod index;
mod rows;

pub use agenda::{AgendaUpdate, agenda_order};
pub use index::RowTexts;
use rows::RowNames;
pub use rows::{AccountRow, AgendaRow, RowText, SortKey};

use super::{Book, Result};
use crate::domain::{Account, AccountId, Contact, FollowUp, Interaction};
use crate::segment::{AccountScore, Explanation, Matrix};
use filter::{Filter, Vocab};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The tiers remembered at the last review: its date and each account's tier.
pub type Review = (String, HashMap<AccountId, String>);

/// Which rows of the account list: the filter expression as typed (the
/// server parses it against its model), the order, and the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListQuery {
    pub filter: String,
    pub sort: SortKey,
    pub reverse: bool,
    pub offset: usize,
    /// `None` = to the end.
    pub limit: Option<usize>,
    /// Place the window so that it holds this account, if it is in the
    /// filtered list (`offset` is then ignored): a client keeps its
    /// selection without knowing where the account sorts.
    pub around: Option<AccountId>,
}

/// One window of the filtered, sorted list and how long the whole list is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListPage {
    pub rows: Vec<AccountRow>,
    pub offset: usize,
    /// Rows matching the filter (all pages).
    pub total: usize,
    /// Accounts in the book, filter or not.
    pub accounts: usize,
}

/// A window of a longer sequence.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub offset: usize,
    pub total: usize,
}

/// The tier matrix and how many accounts of each cell moved since the last
/// review (counted here: a client holding a page could not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixSummary {
    pub matrix: Matrix,
    /// (row, col) → accounts whose tier differs from the last review's.
    pub moved: Vec<((usize, usize), usize)>,
    pub last_review: Option<String>,
    /// The matrix pane's Pareto chart.
    pub pareto: crate::segment::ParetoCurve,
}

/// One account as the profile shows it, in one answer (the timeline is
/// paged apart: `timeline`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountDetail {
    pub account: Account,
    pub score: Option<AccountScore>,
    pub explanation: Option<Explanation>,
    pub contacts: Vec<Contact>,
    /// Open follow-ups only.
    pub followups: Vec<FollowUp>,
    /// Monthly revenue and the year at a glance (the profile's chart).
    pub series: Option<crate::segment::RevenueSeries>,
    /// By date.
    pub key_dates: Vec<crate::domain::KeyDate>,
}

/// The model's tier names, most important first (filter checks).
pub fn tiers(book: &Book) -> Vec<String> {
    tiers_of(book.engine().model())
}

pub fn tiers_of(model: &crate::segment::Model) -> Vec<String> {
    model.tiers.iter().map(|t| t.name.clone()).collect()
}

/// One account's list line.
pub fn row(book: &Book, review: Option<&Review>, a: &Account) -> AccountRow {
    let names = RowNames::of(book.engine().model());
    scored_row(
        book,
        review,
        &names,
        a.id,
        std::sync::Arc::new(RowText::of(a)),
    )
}

/// The line of account `id` whose record shows as `text`.
fn scored_row(
    book: &Book,
    review: Option<&Review>,
    names: &RowNames,
    id: AccountId,
    text: std::sync::Arc<RowText>,
) -> AccountRow {
    let model = book.engine().model();
    let s = book.engine().score(id);
    let s = s.as_ref();
    let tier = s.map_or_else(|| names.tier(""), |s| names.tier(&s.tier));
    let tier_rank = model
        .tier(&tier)
        .map(|t| t.priority as usize)
        .unwrap_or(usize::MAX);
    let moved = match (review, s) {
        (Some((_, tiers)), Some(s)) => tiers.get(&id) != Some(&s.tier),
        _ => false,
    };
    let cell = s.map(|s| {
        let (r, c) = model.grid.locate(s.value_score, s.potential_score);
        names.cell(r, c)
    });
    AccountRow {
        id,
        text,
        tier,
        tier_rank,
        pinned: s.is_some_and(|s| s.pinned),
        value: s.map(|s| s.value_score).unwrap_or(0.0),
        potential: s.map(|s| s.potential_score).unwrap_or(0.0),
        revenue_12m: s.map(|s| s.metrics.revenue_12m).unwrap_or_default(),
        next_due: s.and_then(|s| s.next_due),
        flags: s
            .map(|s| s.flags.iter().map(|&f| names.flag(f)).collect())
            .unwrap_or_default(),
        moved,
        cell,
    }
}

/// The current rows of these accounts (those that exist), in the order asked.
pub fn rows(book: &Book, ids: &[AccountId]) -> Result<Vec<AccountRow>> {
    let review = book.last_review()?;
    let names = RowNames::of(book.engine().model());
    // The rows' text kept for the records as they are shares its text, and
    // a book that serves screens keeps no records to read it from.
    if let Some(texts) = book.kept_row_texts() {
        return Ok(ids
            .iter()
            .filter_map(|&id| {
                let text = texts.shared(id)?;
                Some(scored_row(book, review.as_ref(), &names, id, text))
            })
            .collect());
    }
    Ok(ids
        .iter()
        .filter_map(|id| book.account(*id))
        .map(|a| {
            let text = std::sync::Arc::new(RowText::of(&a));
            scored_row(book, review.as_ref(), &names, a.id, text)
        })
        .collect())
}

/// Filters and sorts `rows` in place as the list shows them (shared by the
/// server's page and a client re-placing the rows a write changed).
pub fn arrange(rows: &mut Vec<AccountRow>, filter: &Filter, sort: SortKey, reverse: bool) {
    rows.retain(|r| filter.matches(r));
    rows.sort_by(|a, b| sort.compare(a, b));
    if reverse {
        rows.reverse();
    }
}

/// One page of the list. A filter the model does not know is refused with
/// the parser's message.
pub fn list(book: &Book, q: &ListQuery) -> std::result::Result<ListPage, ListError> {
    let tiers = tiers(book);
    let filter = Filter::parse(&q.filter, Vocab { tiers: &tiers }).map_err(ListError::Filter)?;
    let ix = book.row_index()?;
    // Every order is total (it ends on the unique key), so filtering the
    // prepared order equals sorting the filtered rows, as `arrange` does.
    let mut hits: Vec<u32> = ix
        .order(q.sort)
        .iter()
        .copied()
        .filter(|&i| filter.matches(&ix.rows[i as usize]))
        .collect();
    if q.reverse {
        hits.reverse();
    }
    let total = hits.len();
    let at = q
        .around
        .and_then(|id| hits.iter().position(|&i| ix.rows[i as usize].id == id));
    let offset = match (at, q.limit) {
        (Some(p), Some(l)) => p.saturating_sub(l / 2).min(total.saturating_sub(l)),
        (Some(_), None) => 0,
        (None, _) => q.offset.min(total),
    };
    let end = q
        .limit
        .map_or(total, |l| offset.saturating_add(l).min(total));
    Ok(ListPage {
        rows: hits[offset..end]
            .iter()
            .map(|&i| ix.rows[i as usize].clone())
            .collect(),
        offset,
        total,
        accounts: book.account_count()?,
    })
}

/// Why a page could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("{0}")]
    Filter(String),
    #[error(transparent)]
    Book(#[from] super::BookError),
}

/// Makes what a screen asks for first, side by side on the cores: the
/// list's rows in the default order on one, the book's user's agenda and
/// the matrix on the other (at 100k accounts 0.17 and 0.13 s, which a cold
/// start paid one after the other). Then the search text, in the
/// background: made beside the first screen, its allocations slowed it. An
/// answer that fails here is left to the request that asks for it, which
/// reports the error.
pub(in crate::book) fn prepare_first_screen(book: &Book) {
    std::thread::scope(|s| {
        let rows = s.spawn(|| {
            if let Ok(ix) = book.row_index() {
                ix.order(SortKey::default());
            }
        });
        let _ = book.cached_agenda(Some(book.user()));
        let _ = matrix(book);
        crate::par::join(rows);
    });
    // Made ahead of a first search; a failed read is met by that search.
    if let Ok(texts) = book.row_texts() {
        index::RowTexts::prepare_search_aside(&texts);
    }
}

/// Fuzzy hits over key, name, owner and tags, best first, at most `limit`.
pub fn search(book: &Book, text: &str, limit: usize) -> Result<Vec<AccountRow>> {
    let ix = book.row_index()?;
    // Ties keep the list's default order.
    let order = ix.order(SortKey::default());
    Ok(ix
        .search(text, limit)
        .into_iter()
        .map(|p| ix.rows[order[p as usize] as usize].clone())
        .collect())
}

/// `owner`'s agenda (everyone's for `None`), most important tier first,
/// then most overdue, each with its account's key and name.
pub fn agenda(book: &Book, owner: Option<&str>) -> Result<Vec<AgendaRow>> {
    Ok(agenda::agenda_rows(book, &book.agenda_shared(owner)?))
}

pub fn matrix(book: &Book) -> Result<MatrixSummary> {
    Ok(book
        .cached(|c| &mut c.matrix, || matrix_uncached(book))?
        .as_ref()
        .clone())
}

fn matrix_uncached(book: &Book) -> Result<MatrixSummary> {
    let review = book.last_review()?;
    let mut moved: HashMap<(usize, usize), usize> = HashMap::new();
    if let Some((_, tiers)) = &review {
        for (id, tier, cell) in book.engine().placements() {
            if tiers.get(&id).map(String::as_str) != Some(tier) {
                *moved.entry(cell).or_default() += 1;
            }
        }
    }
    let mut moved: Vec<_> = moved.into_iter().collect();
    moved.sort();
    let (matrix, pareto) = book.engine().matrix_and_pareto(PARETO_POINTS);
    Ok(MatrixSummary {
        matrix,
        moved,
        last_review: review.map(|(d, _)| d),
        pareto,
    })
}

/// Points of the Pareto curve sent with the matrix: enough for a chart of any
/// terminal width, few enough to send after every change.
pub const PARETO_POINTS: usize = 100;

pub fn detail(book: &Book, id: AccountId) -> Result<Option<AccountDetail>> {
    let Some(account) = book.account(id).map(std::borrow::Cow::into_owned) else {
        return Ok(None);
    };
    Ok(Some(AccountDetail {
        score: book.engine().score(id),
        explanation: book.engine().explain(id),
        series: book.engine().revenue_series(id),
        contacts: book.contacts_of(id)?,
        followups: book
            .store()
            .followups_of(id)?
            .into_iter()
            .filter(|f| f.done_at.is_none())
            .collect(),
        key_dates: book.key_dates_of(id)?,
        account,
    }))
}

/// A page of an account's interactions, newest first.
pub fn timeline(
    book: &Book,
    id: AccountId,
    offset: usize,
    limit: usize,
) -> Result<Page<Interaction>> {
    let mut all = book.interactions_of(id)?;
    all.reverse();
    let total = all.len();
    let offset = offset.min(total);
    let end = offset.saturating_add(limit).min(total);
    Ok(Page {
        items: all.drain(offset..end).collect(),
        offset,
        total,
    })
}

/// Which list rows a change touched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Touched {
    Accounts(Vec<AccountId>),
    /// Every row may differ (a model change, a review mark, a big import):
    /// the client fetches its page again.
    All,
}

/// Past this many accounts, a change is answered by a fresh page rather
/// than by rows one by one.
const MANY: usize = 500;

/// What the changes after `seq` touched. The snooze list changes only the
/// agenda, which every `Delta` carries anyway. A staged write (an import of
/// thousands of records) is not read: it touched everything, as far as a
/// client's page goes.
pub fn touched_since(book: &Book, seq: u64) -> Result<Touched> {
    let Some(entries) = book.store().audit_since_unstaged(seq)? else {
        return Ok(Touched::All);
    };
    let mut ids = Vec::new();
    for e in entries {
        let mut global = false;
        for c in &e.changes {
            if c.record.kind != crate::audit::RefKind::Meta {
                continue;
            }
            let key = c.record.key.as_str();
            // An account's key dates touch that account (its profile and
            // the agenda); hooks, snoozes and saved views change no row.
            if let Some(id) = crate::store::keydates_account(key) {
                ids.push(id);
            } else if key != crate::store::META_SNOOZE
                && key != crate::domain::hooks::META_HOOKS
                && key != super::views::META_VIEWS
            {
                global = true;
            }
        }
        if global {
            return Ok(Touched::All);
        }
        ids.extend(e.accounts());
    }
    ids.sort();
    ids.dedup();
    Ok(if ids.len() > MANY {
        Touched::All
    } else {
        Touched::Accounts(ids)
    })
}

/// What a client needs after a change to show it without refetching the
/// book: the touched rows as they are now, the matrix and the agenda of
/// `user`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    pub touched: Touched,
    /// The current rows of `touched` (accounts that no longer exist are
    /// missing: the client drops them).
    pub rows: Vec<AccountRow>,
    pub matrix: MatrixSummary,
    /// `user`'s agenda, from the version the client said it holds.
    pub agenda: AgendaUpdate,
    /// The version of `user`'s agenda now (see `Book::agenda_versions`).
    pub agenda_version: u64,
    /// Accounts in the book now.
    pub accounts: usize,
}

/// `touched`'s rows, the matrix and `user`'s agenda as an update of
/// version `have` (the one the client holds, if any).
pub fn delta(book: &Book, touched: Touched, user: &str, have: Option<u64>) -> Result<Delta> {
    let rows = match &touched {
        Touched::Accounts(ids) => rows(book, ids)?,
        Touched::All => Vec::new(),
    };
    let (agenda_version, agenda) = agenda::update(book, user, have)?;
    Ok(Delta {
        rows,
        touched,
        matrix: matrix(book)?,
        agenda,
        agenda_version,
        accounts: book.account_count()?,
    })
}
