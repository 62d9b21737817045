//! `kam export accounts|contacts|interactions [--format csv|json]`: every
//! record of one type, in a deterministic order, streamed to a writer.

use super::columns::{Cell, JsonRow, RecordKind, format_at};
use crate::domain::{Account, Contact, Interaction};
use crate::store::{Store, StoreError};
use serde::ser::{Error as _, Serialize, SerializeSeq, Serializer};
use std::cell::RefCell;
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Format {
    Csv,
    Json,
    /// vCard 4, contacts only.
    Vcard,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Csv, Format::Json, Format::Vcard];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Vcard => "vcard",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the export: {0}")]
    Io(String),
    #[error("{0}")]
    Unsupported(String),
}

/// Writes every record of `kind` to `out`.
///
/// Order: accounts by key; contacts by account key, name, id; interactions by
/// account key, time, id. Rows are produced one account at a time, so a
/// million interactions never sit in memory as one string.
pub fn export(
    store: &Store,
    kind: RecordKind,
    format: Format,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    match format {
        Format::Csv => export_csv(store, kind, out),
        Format::Json => export_json(store, kind, out),
        Format::Vcard if kind == RecordKind::Contacts => {
            super::vcard::export(store, out).map_err(|e| match e {
                super::vcard::ExportVcardError::Store(s) => ExportError::Store(s),
                super::vcard::ExportVcardError::Io(e) => ExportError::Io(e.to_string()),
            })
        }
        Format::Vcard => Err(ExportError::Unsupported(format!(
            "--format vcard exports contacts only, not {kind}"
        ))),
    }
}

/// Exports into `path` without ever leaving a half-written file (see
/// `write_atomically`).
pub fn export_to_path(
    store: &Store,
    kind: RecordKind,
    format: Format,
    path: &Path,
) -> Result<(), ExportError> {
    let mut failure = None;
    let written = write_atomically(path, &mut |w| {
        export(store, kind, format, w).map_err(|e| {
            let msg = e.to_string();
            failure = Some(e);
            std::io::Error::other(msg)
        })
    });
    match (written, failure) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(e)) => Err(e),
        (Err(e), None) => Err(ExportError::Io(e.to_string())),
    }
}

/// Writes `path` through `fill` so that it is either complete or untouched:
/// the bytes go to a temporary file in the same directory, which is synced
/// and renamed over `path` only once complete.
pub fn write_atomically(
    path: &Path,
    fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let at = |p: &Path, e: std::io::Error| {
        std::io::Error::new(e.kind(), format!("{}: {e}", p.display()))
    };
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not a file name", path.display()),
        )
    })?;
    let tmp = path.with_file_name(format!(
        ".{}.kam-export-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let file = std::fs::File::create(&tmp).map_err(|e| at(&tmp, e))?;
        let mut w = std::io::BufWriter::new(file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| at(&tmp, e.into_error()))?;
        file.sync_all().map_err(|e| at(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| at(path, e))
    })();
    if result.is_err() {
        // Best effort: the temp file is ours and useless after a failure.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Either the store failed while producing rows, or the sink refused a row.
enum RowError<E> {
    Store(StoreError),
    Sink(E),
}

/// Calls `sink` with the cells of every record of `kind`, in export order.
fn for_each_row<E>(
    store: &Store,
    kind: RecordKind,
    mut sink: impl FnMut(&[Cell]) -> Result<(), E>,
) -> Result<(), RowError<E>> {
    let mut accounts = store.accounts().map_err(RowError::Store)?;
    accounts.sort_by(|a, b| a.key.cmp(&b.key));
    for a in &accounts {
        match kind {
            RecordKind::Accounts => sink(&account_cells(a)).map_err(RowError::Sink)?,
            RecordKind::Contacts => {
                let mut cs = store.contacts_of(a.id).map_err(RowError::Store)?;
                cs.sort_by(|x, y| x.name.cmp(&y.name).then(x.id.cmp(&y.id)));
                for c in &cs {
                    sink(&contact_cells(c, &a.key)).map_err(RowError::Sink)?;
                }
            }
            RecordKind::KeyDates => {
                for k in store.key_dates_of(a.id).map_err(RowError::Store)?.items {
                    sink(&key_date_cells(&k, &a.key)).map_err(RowError::Sink)?;
                }
            }
            RecordKind::Interactions => {
                let mut is = store.interactions_of(a.id).map_err(RowError::Store)?;
                is.sort_by(|x, y| x.at.cmp(&y.at).then(x.id.cmp(&y.id)));
                for i in &is {
                    sink(&interaction_cells(i, &a.key)).map_err(RowError::Sink)?;
                }
            }
        }
    }
    Ok(())
}

fn export_csv(store: &Store, kind: RecordKind, out: &mut dyn Write) -> Result<(), ExportError> {
    let mut w = csv::Writer::from_writer(out);
    let csv_err = |e: csv::Error| ExportError::Io(e.to_string());
    w.write_record(kind.columns()).map_err(csv_err)?;
    let mut fields: Vec<String> = Vec::with_capacity(kind.columns().len());
    for_each_row(store, kind, |cells| {
        fields.clear();
        fields.extend(cells.iter().map(Cell::to_csv));
        w.write_record(&fields)
    })
    .map_err(|e| match e {
        RowError::Store(e) => ExportError::Store(e),
        RowError::Sink(e) => csv_err(e),
    })?;
    w.flush().map_err(|e| ExportError::Io(e.to_string()))
}

/// A JSON array whose elements are pulled from the store while serde_json
/// writes them, so the output is streamed and still canonically pretty.
struct LazyRows<'a> {
    store: &'a Store,
    kind: RecordKind,
    /// A store failure cannot travel through serde's error type intact.
    failure: RefCell<Option<StoreError>>,
}

impl Serialize for LazyRows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        let columns = self.kind.columns();
        let walked = for_each_row(self.store, self.kind, |cells| {
            seq.serialize_element(&JsonRow { columns, cells })
        });
        match walked {
            Ok(()) => seq.end(),
            Err(RowError::Sink(e)) => Err(e),
            Err(RowError::Store(e)) => {
                let msg = e.to_string();
                *self.failure.borrow_mut() = Some(e);
                Err(S::Error::custom(msg))
            }
        }
    }
}

fn export_json(store: &Store, kind: RecordKind, out: &mut dyn Write) -> Result<(), ExportError> {
    let rows = LazyRows {
        store,
        kind,
        failure: RefCell::new(None),
    };
    let mut w = std::io::BufWriter::new(out);
    if let Err(e) = serde_json::to_writer_pretty(&mut w, &rows) {
        return Err(match rows.failure.into_inner() {
            Some(store_err) => ExportError::Store(store_err),
            None => ExportError::Io(e.to_string()),
        });
    }
    w.write_all(b"\n")
        .and_then(|()| w.flush())
        .map_err(|e| ExportError::Io(e.to_string()))
}

/// Cells in `ACCOUNT_COLUMNS` order.
pub fn account_cells(a: &Account) -> Vec<Cell> {
    let p = &a.profile;
    let r = &a.ratings;
    vec![
        Cell::Text(a.key.clone()),
        Cell::Text(a.name.clone()),
        Cell::Text(a.owner.clone()),
        Cell::Text(a.backup_owner.clone()),
        Cell::Text(a.industry.clone()),
        Cell::Text(a.region.clone()),
        Cell::Text(a.status.as_str().to_string()),
        Cell::date(a.since),
        Cell::Opt(a.orientation.map(|o| o.as_str().to_string())),
        Cell::Num(r.potential),
        Cell::Num(r.loyalty),
        Cell::Num(r.strategic_fit),
        Cell::Num(r.tech_cooperation),
        Cell::List(a.tags.clone()),
        Cell::Text(p.background.clone()),
        Cell::Text(p.finance.clone()),
        Cell::Text(p.organisation.clone()),
        Cell::Text(p.competitors.clone()),
        Cell::Text(p.suppliers.clone()),
        Cell::Text(p.downstream.clone()),
        Cell::Text(p.plans.clone()),
        Cell::Text(p.needs.clone()),
    ]
}

/// Cells in `CONTACT_COLUMNS` order.
pub fn key_date_cells(k: &crate::domain::KeyDate, account_key: &str) -> Vec<Cell> {
    vec![
        Cell::Text(k.id.to_string()),
        Cell::Text(account_key.to_string()),
        Cell::Text(k.kind.as_str().to_string()),
        Cell::date(Some(k.on)),
        Cell::Text(k.lead_days.to_string()),
        Cell::Text(k.note.clone()),
    ]
}

pub fn contact_cells(c: &Contact, account_key: &str) -> Vec<Cell> {
    vec![
        Cell::Text(account_key.to_string()),
        Cell::Text(c.name.clone()),
        Cell::Text(c.title.clone()),
        Cell::Text(c.role.as_str().to_string()),
        Cell::Text(c.email.clone()),
        Cell::Text(c.phone.clone()),
        Cell::Bool(c.primary),
        Cell::Bool(c.backup),
        Cell::date(c.left_at),
    ]
}

/// Cells in `INTERACTION_COLUMNS` order.
pub fn interaction_cells(i: &Interaction, account_key: &str) -> Vec<Cell> {
    vec![
        Cell::Text(account_key.to_string()),
        Cell::Text(i.kind.as_str().to_string()),
        Cell::Text(format_at(i.at)),
        Cell::Money(i.amount),
        Cell::Money(i.margin),
        Cell::date(i.due),
        Cell::date(i.paid_at),
        Cell::Num(i.satisfaction),
        Cell::Text(i.summary.clone()),
        Cell::Text(i.author.clone()),
        Cell::date(i.follow_up),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AccountId, InteractionKind, Money};
    use crate::transfer::columns::{ACCOUNT_COLUMNS, CONTACT_COLUMNS, INTERACTION_COLUMNS};
    use chrono::NaiveDate;

    #[test]
    fn cells_match_the_column_lists() {
        let a = Account::default();
        assert_eq!(account_cells(&a).len(), ACCOUNT_COLUMNS.len());
        assert_eq!(
            contact_cells(&Contact::default(), "K").len(),
            CONTACT_COLUMNS.len()
        );
        let day = NaiveDate::from_ymd_opt(2024, 5, 6).unwrap();
        let mut i = Interaction::new(AccountId(1), InteractionKind::Order, day);
        i.margin = Some(Money::from_cents(-1050));
        let cells = interaction_cells(&i, "K");
        assert_eq!(cells.len(), INTERACTION_COLUMNS.len());
        let csv: Vec<String> = cells.iter().map(Cell::to_csv).collect();
        assert_eq!(
            csv,
            [
                "K",
                "order",
                "2024-05-06",
                "",
                "-10.50",
                "",
                "",
                "",
                "",
                "",
                ""
            ]
        );
    }
}
