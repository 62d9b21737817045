//! A file from any tool, on its way into the importer: decoded to UTF-8,
//! a vCard turned into contact rows, the delimiter detected, mapped column
//! names; then planned (and committed) as any CSV import.

use super::columns::RecordKind;
use super::decode::{self, ReadOptions};
use super::import::{HeaderOptions, ImportFailure, ImportPlan, Stream, plan_csv};
use crate::book::{Book, ImportCounts, RequestId, WriteOutcome};
use crate::store::{Batch, Store};
use chrono::NaiveDate;

/// A file to import: its bytes, its name for messages, how to read it.
pub struct Source<'a> {
    pub raw: Vec<u8>,
    pub name: &'a str,
    pub options: &'a ReadOptions,
}

/// `import_into` for a file from another tool (encoding, delimiter, column
/// map, vCard), reporting `progress(done, total)` in bytes read.
pub fn import_source(
    book: &mut Book,
    kind: RecordKind,
    source: Source,
    dry_run: bool,
    request: Option<RequestId>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<WriteOutcome, ImportFailure> {
    if !dry_run && book.seen_request(request)? {
        // A resend of an import committed before: its first outcome.
        return Ok(book.import(Batch::default(), ImportCounts::default(), request)?);
    }
    // Interactions are written while the file is read, a run at a time
    // (see `Stream`): neither the file's records nor their stored copies
    // are held whole. A failure drops the feed, which rolls them back.
    let streams = !dry_run && kind == RecordKind::Interactions;
    let mut feed = streams.then(|| book.import_feed());
    let mut sink = |chunk| match &mut feed {
        Some(f) => f.stage(chunk).map_err(ImportFailure::from),
        None => Ok(()),
    };
    let mut stream = Stream {
        at_least: book.store().staging_limits().above,
        sink: &mut sink,
    };
    let plan = plan_source(
        book.store(),
        kind,
        &source,
        book.user(),
        book.today(),
        progress,
        streams.then_some(&mut stream),
    )?;
    // The file is planned: its bytes (100 MB at 1M rows) need not be held
    // while the book writes.
    drop(source);
    let counts = ImportCounts {
        created: plan.created,
        updated: plan.updated,
        skipped: plan.skipped,
    };
    if dry_run {
        return Ok(WriteOutcome {
            action: "import".into(),
            import: Some(counts),
            ..WriteOutcome::default()
        });
    }
    Ok(book.import_fed(plan.batch, feed, counts, request)?)
}

/// Plans the import of a file from any tool: decodes it, takes contacts
/// from a vCard file, detects the delimiter, renames mapped columns.
pub fn plan_source(
    store: &Store,
    kind: RecordKind,
    source: &Source,
    author: &str,
    today: NaiveDate,
    progress: &mut dyn FnMut(u64, u64),
    stream: Option<&mut Stream>,
) -> Result<ImportPlan, ImportFailure> {
    let name = source.name.to_string();
    let options = source.options;
    let decoded = decode::decode(&source.raw, options.encoding)
        .map_err(|e| ImportFailure::Header(format!("{name}: {e}")))?;
    let vcard_rows;
    let mut line_map = None;
    let (bytes, delimiter): (&[u8], u8) = if super::vcard::is_vcard(&decoded.bytes) {
        if kind != RecordKind::Contacts {
            return Err(ImportFailure::Header(format!(
                "{name}: this is a vCard file; import it with `kam import contacts`"
            )));
        }
        let (rows, lines) = super::vcard::to_csv(&decoded.bytes)
            .map_err(|e| ImportFailure::Header(format!("{name}:{e}")))?;
        vcard_rows = rows;
        line_map = Some(lines);
        (&vcard_rows, b',')
    } else if [".vcf", ".vcard"]
        .iter()
        .any(|ext| name.to_ascii_lowercase().ends_with(ext))
    {
        return Err(ImportFailure::Header(format!(
            "{name}:1: a vCard file must start with BEGIN:VCARD"
        )));
    } else {
        let d = decode::delimiter(&decoded.bytes, options.delimiter);
        (&decoded.bytes, d)
    };
    let map = match &options.map {
        Some(spec) => decode::parse_map(spec).map_err(ImportFailure::Header)?,
        None => Vec::new(),
    };
    let columns = HeaderOptions {
        map: &map,
        skip_unknown: options.skip_unknown,
        delimiter,
        line_map: line_map.as_deref(),
    };
    let total = bytes.len() as u64;
    let mut plan = plan_csv(
        store, kind, bytes, &name, &columns, author, today, progress, stream,
    );
    match (&mut plan, decoded.hint) {
        (Err(ImportFailure::Rows(errors)), Some(hint)) => errors.hint = Some(hint),
        (Err(ImportFailure::Header(message)), Some(hint)) if message.contains("UTF-8") => {
            message.push('\n');
            message.push_str(&hint);
        }
        _ => {}
    }
    progress(total, total);
    plan
}
