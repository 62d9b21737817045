//! A file from any tool, on its way into the importer: decoded to UTF-8,
//! a vCard turned into contact rows, the delimiter detected, mapped column
//! names; then planned (and committed) as any CSV import.
//!
//! A UTF-8 CSV file (most are; kam's own exports are) is read as it is
//! planned, never whole: at a million rows the file is 100 MB. A file in
//! another encoding, or a vCard, is read whole to be converted.

use super::columns::RecordKind;
use super::decode::{self, ReadOptions};
use super::import::{HeaderOptions, ImportFailure, ImportPlan, Stream, plan_csv};
use crate::book::{Book, ImportCounts, RequestId, WriteOutcome};
use crate::store::{Batch, Store};
use chrono::NaiveDate;
use std::io::Read;

/// A file to import: its content, its name for messages, how to read it.
pub struct Source<'a> {
    /// Read as the file is planned.
    pub input: Box<dyn Read + 'a>,
    /// The file's size in bytes, for progress.
    pub len: u64,
    pub name: &'a str,
    pub options: &'a ReadOptions,
}

impl<'a> Source<'a> {
    /// A file already in memory.
    pub fn bytes(raw: Vec<u8>, name: &'a str, options: &'a ReadOptions) -> Self {
        Source {
            len: raw.len() as u64,
            input: Box::new(std::io::Cursor::new(raw)),
            name,
            options,
        }
    }
}

/// How much of a file is read to decide how to read the rest: its
/// encoding, whether it is a vCard, its delimiter (from the header line).
const HEAD: usize = 64 * 1024;

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
    let mut source = source;
    let plan = plan_source(
        book.store(),
        kind,
        &mut source,
        book.user(),
        book.today(),
        progress,
        streams.then_some(&mut stream),
    )?;
    // The file is planned (and closed).
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
    source: &mut Source,
    author: &str,
    today: NaiveDate,
    progress: &mut dyn FnMut(u64, u64),
    stream: Option<&mut Stream>,
) -> Result<ImportPlan, ImportFailure> {
    let name = source.name.to_string();
    let options = source.options;
    let io_err = |e: std::io::Error| ImportFailure::Io(format!("{name}: {e}"));
    let mut head = Vec::new();
    read_head(&mut source.input, &mut head).map_err(io_err)?;
    let total = source.len.max(head.len() as u64);
    let plan = match utf8_body(&head, options, &name) {
        Some(skip) => {
            let delimiter = decode::delimiter(&head[skip..], options.delimiter);
            let columns = header_options(options, delimiter, None)?;
            let input = (&head[skip..]).chain(&mut source.input);
            let mut plan = plan_csv(
                store, kind, input, total, &name, &columns, author, today, progress, stream,
            );
            // A header that is not UTF-8: advice from what was read of it
            // (a row's comes from the row, `plan_csv`).
            if let Err(ImportFailure::Header(message)) = &mut plan
                && message.contains("UTF-8")
            {
                message.push('\n');
                message.push_str(&decode::suspect(&head));
            }
            plan
        }
        None => {
            source.input.read_to_end(&mut head).map_err(io_err)?;
            plan_whole(
                store, kind, &head, &name, options, author, today, progress, stream,
            )
        }
    };
    progress(total, total);
    plan
}

/// Reads the start of `input` into `head`: `HEAD` bytes, or more to
/// finish the header line, or the whole of a shorter file.
fn read_head(input: &mut dyn Read, head: &mut Vec<u8>) -> std::io::Result<()> {
    let mut buf = [0u8; 8192];
    let mut line_ended = false;
    while head.len() < HEAD || !line_ended {
        match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                line_ended |= buf[..n].contains(&b'\n');
                head.extend_from_slice(&buf[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// For a file that is read as it is planned (CSV in UTF-8, no encoding
/// named): how many bytes of its head to skip (a UTF-8 byte-order mark).
/// None: the file is read whole.
fn utf8_body(head: &[u8], options: &ReadOptions, name: &str) -> Option<usize> {
    if options.encoding.is_some() {
        return None;
    }
    let skip = match encoding_rs::Encoding::for_bom(head) {
        None => 0,
        Some((e, len)) if e == encoding_rs::UTF_8 => len,
        Some(_) => return None,
    };
    let vcard = super::vcard::is_vcard(&head[skip..])
        || [".vcf", ".vcard"]
            .iter()
            .any(|ext| name.to_ascii_lowercase().ends_with(ext));
    (!vcard).then_some(skip)
}

/// The header's reading options from the command line's.
fn header_options<'a>(
    options: &'a ReadOptions,
    delimiter: u8,
    line_map: Option<&'a [u64]>,
) -> Result<HeaderOptions<'a>, ImportFailure> {
    let map = match &options.map {
        Some(spec) => decode::parse_map(spec).map_err(ImportFailure::Header)?,
        None => Vec::new(),
    };
    Ok(HeaderOptions {
        map,
        skip_unknown: options.skip_unknown,
        delimiter,
        line_map,
    })
}

/// Plans a file read whole: decoded from its encoding, or a vCard.
#[allow(clippy::too_many_arguments)]
fn plan_whole(
    store: &Store,
    kind: RecordKind,
    raw: &[u8],
    name: &str,
    options: &ReadOptions,
    author: &str,
    today: NaiveDate,
    progress: &mut dyn FnMut(u64, u64),
    stream: Option<&mut Stream>,
) -> Result<ImportPlan, ImportFailure> {
    let decoded = decode::decode(raw, options.encoding)
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
    let columns = header_options(options, delimiter, line_map.as_deref())?;
    let total = bytes.len() as u64;
    let mut plan = plan_csv(
        store, kind, bytes, total, name, &columns, author, today, progress, stream,
    );
    // The whole file's advice stands over a row's.
    match (&mut plan, decoded.hint) {
        (Err(ImportFailure::Rows(errors)), Some(hint)) => errors.hint = Some(hint),
        (Err(ImportFailure::Header(message)), Some(hint)) if message.contains("UTF-8") => {
            message.push('\n');
            message.push_str(&hint);
        }
        _ => {}
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_ends_after_its_header_line() {
        let header = "a,".repeat(HEAD);
        let file = format!("{header}\n{}", "K,N\n".repeat(HEAD));
        let mut head = Vec::new();
        read_head(&mut file.as_bytes(), &mut head).unwrap();
        assert!(head.len() > header.len(), "the whole header line");
        assert_eq!(head[header.len()], b'\n');
        assert!(head.len() < file.len(), "not the whole file");
        let short = b"key,name\nK,N\n";
        let mut head = Vec::new();
        read_head(&mut &short[..], &mut head).unwrap();
        assert_eq!(head, short, "a short file whole");
    }

    #[test]
    fn only_a_utf8_csv_file_is_read_as_it_is_planned() {
        let plain = ReadOptions::default();
        assert_eq!(utf8_body(b"key,name\n", &plain, "a.csv"), Some(0));
        assert_eq!(utf8_body(b"\xEF\xBB\xBFkey\n", &plain, "a.csv"), Some(3));
        assert_eq!(utf8_body(b"\xFF\xFEk\0", &plain, "a.csv"), None, "UTF-16");
        assert_eq!(utf8_body(b"BEGIN:VCARD\r\n", &plain, "a.txt"), None);
        assert_eq!(utf8_body(b"key\n", &plain, "phone.VCF"), None);
        let named = ReadOptions {
            encoding: Some(decode::Encoding::Gbk),
            ..ReadOptions::default()
        };
        assert_eq!(utf8_body(b"key,name\n", &named, "a.csv"), None);
    }
}
