//! `kam import accounts|contacts|interactions FILE.csv [--dry-run]`.
//!
//! A whole file becomes one `store::Batch` or nothing: every row is parsed and
//! checked first, and any bad row fails the import with `FILE:LINE: column:
//! reason` for each problem. Re-importing the same file changes nothing.

mod keydates;
mod plan;
mod rows;

use super::columns::RecordKind;
use super::decode::ReadOptions;
pub use super::source::{Source, import_source, plan_source};
use crate::book::{Book, BookError, RequestId, WriteOutcome};
use crate::domain::Interaction;
use crate::store::{Batch, Store, StoreError};
use chrono::NaiveDate;
use plan::Planner;
use rows::{Errors, Header, Row};
use std::fmt;
use std::path::Path;

/// At most this many problems are listed; the rest are counted.
pub const MAX_REPORTED: usize = 50;

/// What an import would write, for the caller to apply (or not, on a dry run).
#[derive(Default)]
pub struct ImportPlan {
    pub batch: Batch,
    pub created: usize,
    pub updated: usize,
    /// Rows identical to what is stored (accounts, contacts) or duplicates of
    /// stored interactions.
    pub skipped: usize,
}

impl ImportPlan {
    /// Counts a row against what is stored (same: skipped; else updated or
    /// created) and hands back the record when it must be written.
    fn upsert<T: PartialEq>(&mut self, stored: Option<T>, new: T) -> Option<T> {
        match stored {
            Some(old) if old == new => {
                self.skipped += 1;
                return None;
            }
            Some(_) => self.updated += 1,
            None => self.created += 1,
        }
        Some(new)
    }
}

/// Where planned interactions go while the file is read: a run of
/// `at_least` at a time, as long as no row has failed (an import writes
/// them into a staged write, so that memory does not grow with the file).
/// Once a row fails, none go: the import will fail, and the planned rows
/// are dropped as they come.
pub struct Stream<'a> {
    pub at_least: usize,
    pub sink: &'a mut dyn FnMut(Vec<Interaction>) -> Result<(), ImportFailure>,
}

/// Bad rows, each as `FILE:LINE: column: reason`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportErrors {
    pub errors: Vec<String>,
    /// Problems found beyond `MAX_REPORTED`.
    pub more: usize,
    /// Which option may fix them (a file in another encoding).
    pub hint: Option<String>,
}

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, e) in self.errors.iter().enumerate() {
            if n > 0 {
                writeln!(f)?;
            }
            f.write_str(e)?;
        }
        if self.more > 0 {
            write!(f, "\n… and {} more", self.more)?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n{h}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    #[error("{0}\nnothing was imported")]
    Rows(ImportErrors),
    #[error("{0}")]
    Header(String),
    #[error("{0}")]
    Io(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The planned rows could not be committed.
    #[error(transparent)]
    Book(#[from] BookError),
}

/// The outcome of `run_import`, for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub kind: RecordKind,
    pub created: usize,
    pub updated: usize,
    pub skipped: usize,
    pub dry_run: bool,
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} created, {} updated, {} skipped",
            self.kind, self.created, self.updated, self.skipped
        )?;
        if self.dry_run {
            f.write_str(" (dry run: nothing written)")?;
        }
        Ok(())
    }
}

/// Plans the import of `input` (CSV; `name` names it in messages) against
/// the book and commits it as one audited write, applied once per request;
/// a dry run only counts. The outcome's `import` holds the counts (None: a
/// resend of an import committed before).
pub fn import_into(
    book: &mut Book,
    kind: RecordKind,
    input: impl std::io::Read,
    name: &str,
    dry_run: bool,
    request: Option<RequestId>,
) -> Result<WriteOutcome, ImportFailure> {
    let options = ReadOptions::default();
    let source = Source::bytes(read_all(input, name)?, name, &options);
    import_source(book, kind, source, dry_run, request, &mut |_, _| {})
}

/// Plans the import of `file` and, unless `dry_run`, hands the batch to
/// `apply` (the store directly, or a service layer that also re-scores).
/// `today` is the one clock's day, for the domain's date rules.
pub fn run_import(
    store: &Store,
    kind: RecordKind,
    file: &Path,
    author: &str,
    today: NaiveDate,
    dry_run: bool,
    apply: impl FnOnce(Batch) -> Result<(), StoreError>,
) -> Result<ImportSummary, ImportFailure> {
    let plan = plan_import(store, kind, file, author, today)?;
    let summary = ImportSummary {
        kind,
        created: plan.created,
        updated: plan.updated,
        skipped: plan.skipped,
        dry_run,
    };
    if !dry_run {
        apply(plan.batch)?;
    }
    Ok(summary)
}

/// Reads and checks the whole of `file` and returns what importing it would
/// write. `author` is recorded on interactions that name none (the OS user).
pub fn plan_import(
    store: &Store,
    kind: RecordKind,
    file: &Path,
    author: &str,
    today: NaiveDate,
) -> Result<ImportPlan, ImportFailure> {
    let name = file.display().to_string();
    let f = std::fs::File::open(file).map_err(|e| ImportFailure::Io(format!("{name}: {e}")))?;
    plan_import_from(
        store,
        kind,
        std::io::BufReader::new(f),
        &name,
        author,
        today,
    )
}

/// Like `plan_import`, reading CSV from `input`; `name` is the file name used
/// in messages (the team server receives a client's file as bytes).
pub fn plan_import_from(
    store: &Store,
    kind: RecordKind,
    input: impl std::io::Read,
    name: &str,
    author: &str,
    today: NaiveDate,
) -> Result<ImportPlan, ImportFailure> {
    let options = ReadOptions::default();
    let mut source = Source::bytes(read_all(input, name)?, name, &options);
    plan_source(
        store,
        kind,
        &mut source,
        author,
        today,
        &mut |_, _| {},
        None,
    )
}

/// The whole input, or an I/O error naming it.
fn read_all(mut input: impl std::io::Read, name: &str) -> Result<Vec<u8>, ImportFailure> {
    let mut raw = Vec::new();
    input
        .read_to_end(&mut raw)
        .map_err(|e| ImportFailure::Io(format!("{name}: {e}")))?;
    Ok(raw)
}

/// How the header line is read.
pub(super) struct HeaderOptions<'a> {
    pub map: Vec<(String, String)>,
    pub skip_unknown: bool,
    pub delimiter: u8,
    /// For a vCard file: the line each card starts on (its row's line).
    pub line_map: Option<&'a [u64]>,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn plan_csv(
    store: &Store,
    kind: RecordKind,
    input: impl std::io::Read,
    total: u64,
    name: &str,
    columns: &HeaderOptions,
    author: &str,
    today: NaiveDate,
    progress: &mut dyn FnMut(u64, u64),
    mut stream: Option<&mut Stream>,
) -> Result<ImportPlan, ImportFailure> {
    let name = name.to_string();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(columns.delimiter)
        .has_headers(false)
        // Field counts are checked here, so that the error names the line.
        .flexible(true)
        .from_reader(input);
    let read_err = |e: csv::Error| ImportFailure::Io(format!("{name}: {e}"));

    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record).map_err(read_err)? {
        return Err(ImportFailure::Header(format!(
            "{name}: the file is empty; expected a header line with the columns: {}",
            kind.columns().join(", ")
        )));
    }
    // A JSON export handed back to import: say so rather than list "unknown
    // column '['".
    let first = record.get(0).unwrap_or_default();
    let first = first.strip_prefix(b"\xef\xbb\xbf").unwrap_or(first);
    if matches!(first.trim_ascii_start().first(), Some(b'[' | b'{')) {
        return Err(ImportFailure::Header(format!(
            "{name}:1: this looks like JSON; kam import reads CSV with a header line \
             (export with --format csv to get one)"
        )));
    }
    let header = Header::parse(kind, &name, &record, columns)?;

    let mut planner = Planner::new(store, kind, author, today);
    let mut errors = Errors::new(&name);
    // The first row that is not UTF-8, to say which encoding it may be in.
    let mut not_utf8: Option<Vec<u8>> = None;
    while reader.read_byte_record(&mut record).map_err(read_err)? {
        let mut line = record.position().map_or(0, |p| p.line());
        if let Some(map) = columns.line_map {
            line = map
                .get((line as usize).saturating_sub(2))
                .copied()
                .unwrap_or(line);
        }
        progress(record.position().map_or(0, |p| p.byte()), total);
        if record.len() != header.names.len() {
            errors.push(
                line,
                "row",
                format!(
                    "expected {} fields as in the header, found {}",
                    header.names.len(),
                    record.len()
                ),
            );
            continue;
        }
        let mut fields = Vec::with_capacity(record.len());
        let mut utf8_ok = true;
        for (i, raw) in record.iter().enumerate() {
            match std::str::from_utf8(raw) {
                Ok(s) => fields.push(s),
                Err(_) => {
                    errors.push(line, header.names[i], "invalid UTF-8");
                    utf8_ok = false;
                }
            }
        }
        if !utf8_ok {
            not_utf8.get_or_insert_with(|| record.as_slice().to_vec());
            continue;
        }
        let mut row = Row {
            header: &header,
            fields: &fields,
            problems: Vec::new(),
        };
        planner.add(line, &mut row)?;
        for (column, reason) in row.problems {
            errors.push(line, column, reason);
        }
        if let Some(s) = stream.as_deref_mut() {
            let planned = &mut planner.plan.batch.interactions;
            if !errors.is_empty() {
                planned.clear();
            } else if planned.len() >= s.at_least.max(1) {
                (s.sink)(std::mem::take(planned))?;
            }
        }
    }
    if errors.is_empty() {
        Ok(planner.finish()?)
    } else {
        let mut list = errors.finish();
        list.hint = not_utf8.map(|row| super::decode::suspect(&row));
        Err(ImportFailure::Rows(list))
    }
}
