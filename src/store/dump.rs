//! Backups: every tree of the store written raw into one file, and read back
//! into a new directory. Raw on purpose: a backup is the database itself
//! (records, indexes, follow-ups, snoozes, pins, review marks, the model, the
//! audit trail, request outcomes, the audit counter), byte for byte, so a
//! restore gives back exactly what was there and a backup of the restored
//! database has the same body.
//!
//! File layout (all integers big-endian):
//!
//! ```text
//! 0..8      magic  89 'K' 'A' 'M' 'B' 'A' 'K' 0A  (high bit and newline catch
//!           7-bit and text-mode transfers)
//! 8..12     backup format version (BACKUP_FORMAT)
//! 12..16    length n of the header JSON
//! 16..20    CRC32 of the header JSON
//! 20..20+n  header JSON (`BackupHeader`: kam version, schema, time, id
//!           counter, last audit seq, entries per tree, body length and CRC32)
//! ..4096    zero padding
//! 4096..    body: one section per tree, in `BACKUP_TREES` order:
//!             'S' u16 name-length name
//!             ('E' u32 key-length key u32 value-length value)*   key order
//!             'Z' u64 entries
//! ```
//!
//! The header comes first but is written last (the body goes to a seekable
//! file first): a reader knows the counts and checksum before it reads on,
//! and `verify` checks all of them before a restore writes anything.

use super::error::StoreError;
use super::{BLOCK_TREES, OpenOptions, SCHEMA_VERSION, Store, TREE_NAMES, is_kam_tree};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub const BACKUP_MAGIC: [u8; 8] = *b"\x89KAMBAK\n";
/// Version of the file layout above. Bump when it changes.
pub const BACKUP_FORMAT: u32 = 1;
/// Bytes reserved for the header before the body.
pub const HEADER_SPACE: u64 = 4096;
/// Directory inside a database where the server keeps its restore points.
pub const RESTORE_POINTS_DIR: &str = "restore-points";
/// File name ending of backups and restore points.
pub const BACKUP_SUFFIX: &str = ".kambackup";
/// Entries written to sled per batch when restoring.
const RESTORE_BATCH: usize = 1_000;
/// Batches between flushes when restoring.
const FLUSH_EVERY: usize = 10;
/// The id counter a backup may ask a restore to reach (sled hands ids out
/// one by one; anything beyond this is not a counter kam ran up).
const MAX_NEXT_ID: u64 = 1 << 36;

/// What the header says about the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupHeader {
    pub kam_version: String,
    /// The database schema the trees are in.
    pub schema: u32,
    /// When the backup was taken (RFC 3339, UTC).
    pub created: String,
    /// The restored database hands out ids from here on (sled's counter
    /// is not in any tree).
    pub next_id: u64,
    /// Seq of the last change in the audit trail.
    pub last_seq: u64,
    /// Entries per tree, in body order.
    pub trees: Vec<TreeCount>,
    /// Records per kind ("contacts", "interactions", "followups") in the
    /// trees of blocks, whose entries are blocks. Absent before schema 4,
    /// whose trees held a record per entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<TreeCount>,
    pub body_len: u64,
    pub body_crc32: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeCount {
    pub name: String,
    pub entries: u64,
}

impl BackupHeader {
    /// Entries of one tree (0 if the backup has no such tree).
    pub fn entries(&self, tree: &str) -> u64 {
        self.trees
            .iter()
            .find(|t| t.name == tree)
            .map_or(0, |t| t.entries)
    }

    /// Records of one kind ("accounts", "contacts", "interactions",
    /// "followups"), whatever the schema's trees.
    pub fn records(&self, kind: &str) -> u64 {
        match self.records.iter().find(|t| t.name == kind) {
            Some(t) => t.entries,
            None => self.entries(kind),
        }
    }
}

/// Why a backup file cannot be used, or a restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{} is not a kam backup ({detail})", file.display())]
    Foreign { file: PathBuf, detail: String },
    #[error(
        "the backup {} is damaged ({detail}); nothing was restored. Use another backup \
         or restore point.",
        file.display()
    )]
    Damaged { file: PathBuf, detail: String },
    #[error(
        "the backup {} was written by a newer kam ({what}); upgrade kam to restore it",
        file.display()
    )]
    Newer { file: PathBuf, what: String },
    #[error(
        "{} is not empty; kam restores only into an empty or new directory \
         (nothing was changed)",
        dir.display()
    )]
    TargetNotEmpty { dir: PathBuf },
    #[error("{0}")]
    Io(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sled::Error> for BackupError {
    fn from(e: sled::Error) -> Self {
        BackupError::Store(e.into())
    }
}

/// The trees a backup holds, in body order: every tree kam has.
pub fn backup_trees() -> impl Iterator<Item = &'static str> {
    TREE_NAMES.iter().copied()
}

/// A writer that counts and checksums what goes through it.
struct Summing<W> {
    inner: W,
    crc: crc32fast::Hasher,
    len: u64,
}

impl<W: Write> Write for Summing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn io(e: impl std::fmt::Display) -> StoreError {
    StoreError::Io(e.to_string())
}

impl Store {
    /// Writes a backup of every tree into `file` (empty, seekable) and
    /// returns its header. The caller makes sure nothing writes meanwhile
    /// (the book's lock, or this process owning the database): sled 0.34
    /// has no snapshot across trees.
    pub fn write_backup(&self, file: &mut File) -> super::Result<BackupHeader> {
        self.write_backup_with(file, &mut |_, _| {})
    }

    /// `write_backup`, telling `progress(entries written, entries in all)`
    /// as it goes. Counting the entries first costs a pass over the keys,
    /// so only a backup someone watches pays for it.
    pub fn write_backup_with(
        &self,
        file: &mut File,
        progress: &mut dyn FnMut(u64, u64),
    ) -> super::Result<BackupHeader> {
        // The progress total from the kept counts: counting would read the
        // whole book once more before copying it.
        let mut total = 0u64;
        for name in backup_trees() {
            total += match self.tree_counts.get(name) {
                Some(n) => n,
                None => self.db.open_tree(name)?.len() as u64,
            };
        }
        let mut done = 0u64;
        progress(0, total);
        let next_id = self.reserve_id()?;
        let last_seq = self.last_seq()?;
        file.seek(SeekFrom::Start(HEADER_SPACE)).map_err(io)?;
        let mut body = Summing {
            inner: BufWriter::with_capacity(1 << 20, file.try_clone().map_err(io)?),
            crc: crc32fast::Hasher::new(),
            len: 0,
        };
        let mut trees = Vec::new();
        let mut records = Vec::new();
        for name in backup_trees() {
            let tree = self.db.open_tree(name)?;
            let kind = BLOCK_TREES.iter().find(|(t, _)| *t == name).map(|(_, k)| k);
            let mut in_blocks = 0u64;
            body.write_all(b"S").map_err(io)?;
            body.write_all(&(name.len() as u16).to_be_bytes())
                .map_err(io)?;
            body.write_all(name.as_bytes()).map_err(io)?;
            let mut entries = 0u64;
            for kv in tree.iter() {
                let (k, v) = kv?;
                body.write_all(b"E").map_err(io)?;
                for part in [&k[..], &v[..]] {
                    body.write_all(&(part.len() as u32).to_be_bytes())
                        .map_err(io)?;
                    body.write_all(part).map_err(io)?;
                }
                entries += 1;
                if kind.is_some() {
                    in_blocks += super::block::records_in(&v);
                }
                done += 1;
                progress(done.min(total), total);
            }
            if let Some(kind) = kind {
                records.push(TreeCount {
                    name: kind.to_string(),
                    entries: in_blocks,
                });
            }
            body.write_all(b"Z").map_err(io)?;
            body.write_all(&entries.to_be_bytes()).map_err(io)?;
            trees.push(TreeCount {
                name: name.to_string(),
                entries,
            });
        }
        body.flush().map_err(io)?;
        let Summing { inner, crc, len } = body;
        drop(inner);
        let (body_len, body_crc32) = (len, crc.finalize());
        let header = BackupHeader {
            kam_version: env!("CARGO_PKG_VERSION").to_string(),
            schema: SCHEMA_VERSION,
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            next_id,
            last_seq,
            trees,
            records,
            body_len,
            body_crc32,
        };
        let json = serde_json::to_vec(&header).map_err(io)?;
        let mut head = Vec::with_capacity(HEADER_SPACE as usize);
        head.extend_from_slice(&BACKUP_MAGIC);
        head.extend_from_slice(&BACKUP_FORMAT.to_be_bytes());
        head.extend_from_slice(&(json.len() as u32).to_be_bytes());
        head.extend_from_slice(&crc32fast::hash(&json).to_be_bytes());
        head.extend_from_slice(&json);
        if head.len() as u64 > HEADER_SPACE {
            return Err(io("backup header too large"));
        }
        head.resize(HEADER_SPACE as usize, 0);
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(&head).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(header)
    }
}

/// Reads and checks the header only (magic, format, header checksum,
/// schema). `verify` checks the body too.
pub fn read_header(file: &Path, r: &mut impl Read) -> Result<BackupHeader, BackupError> {
    let damaged = |detail: String| BackupError::Damaged {
        file: file.to_path_buf(),
        detail,
    };
    let mut head = vec![0u8; HEADER_SPACE as usize];
    let got =
        read_full(r, &mut head).map_err(|e| BackupError::Io(format!("{}: {e}", file.display())))?;
    if got < 8 || head[..8] != BACKUP_MAGIC {
        if got >= 7 && head[1..7] == BACKUP_MAGIC[1..7] {
            return Err(damaged("its start marker was altered in transfer".into()));
        }
        return Err(BackupError::Foreign {
            file: file.to_path_buf(),
            detail: "it does not start with the kam backup marker".into(),
        });
    }
    if got < HEADER_SPACE as usize {
        return Err(damaged(format!("the file ends after {got} bytes")));
    }
    let format = u32::from_be_bytes(head[8..12].try_into().unwrap_or_default());
    if format > BACKUP_FORMAT {
        return Err(BackupError::Newer {
            file: file.to_path_buf(),
            what: format!("backup format {format}, this kam reads up to {BACKUP_FORMAT}"),
        });
    }
    if format == 0 {
        return Err(damaged("backup format 0".into()));
    }
    let n = u32::from_be_bytes(head[12..16].try_into().unwrap_or_default()) as usize;
    let crc = u32::from_be_bytes(head[16..20].try_into().unwrap_or_default());
    let json = head
        .get(20..20 + n)
        .filter(|_| 20 + n <= HEADER_SPACE as usize)
        .ok_or_else(|| damaged("header length out of range".into()))?;
    if crc32fast::hash(json) != crc {
        return Err(damaged("header checksum mismatch".into()));
    }
    let header: BackupHeader =
        serde_json::from_slice(json).map_err(|e| damaged(format!("unreadable header: {e}")))?;
    if header.schema > SCHEMA_VERSION {
        return Err(BackupError::Newer {
            file: file.to_path_buf(),
            what: format!(
                "database schema {}, this kam supports up to {SCHEMA_VERSION}",
                header.schema
            ),
        });
    }
    Ok(header)
}

/// Reads until `buf` is full or the input ends; the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// A reader over the body that checksums and counts what it reads.
struct Body<R> {
    inner: R,
    crc: crc32fast::Hasher,
    len: u64,
}

impl<R: Read> Body<R> {
    fn exact(&mut self, buf: &mut [u8]) -> Result<(), String> {
        let got = read_full(&mut self.inner, buf).map_err(|e| e.to_string())?;
        self.crc.update(&buf[..got]);
        self.len += got as u64;
        if got < buf.len() {
            return Err(format!(
                "the file ends early, {} bytes into the body",
                self.len
            ));
        }
        Ok(())
    }
    fn byte(&mut self) -> Result<u8, String> {
        let mut b = [0u8; 1];
        self.exact(&mut b)?;
        Ok(b[0])
    }
    fn bytes(&mut self, n: usize, limit: u64) -> Result<Vec<u8>, String> {
        // A corrupt length must not make us allocate gigabytes.
        if n as u64 > limit {
            return Err(format!("an entry of {n} bytes is larger than the body"));
        }
        let mut v = vec![0u8; n];
        self.exact(&mut v)?;
        Ok(v)
    }
    fn u32(&mut self) -> Result<u32, String> {
        let mut b = [0u8; 4];
        self.exact(&mut b)?;
        Ok(u32::from_be_bytes(b))
    }
}

/// Receives every entry of a backup: (tree, key, value).
type EntrySink<'a> = dyn FnMut(&str, Vec<u8>, Vec<u8>) -> Result<(), BackupError> + 'a;

/// Walks a whole backup: header, every section and entry, counts and
/// checksum; calls `sink(tree, key, value)` for every entry. Any damage is
/// an error naming it. With a no-op sink this is `verify`.
fn walk(file: &Path, sink: &mut EntrySink<'_>) -> Result<BackupHeader, BackupError> {
    walk_counted(file, &std::cell::Cell::new(None), sink)
}

/// `walk`, first putting the header's entry count in `total` (for
/// progress: the sink learns it before the first entry).
fn walk_counted(
    file: &Path,
    total: &std::cell::Cell<Option<u64>>,
    sink: &mut EntrySink<'_>,
) -> Result<BackupHeader, BackupError> {
    let f = File::open(file).map_err(|e| BackupError::Io(format!("{}: {e}", file.display())))?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    let header = read_header(file, &mut r)?;
    total.set(Some(header.trees.iter().map(|t| t.entries).sum()));
    let damaged = |detail: String| BackupError::Damaged {
        file: file.to_path_buf(),
        detail,
    };
    let mut body = Body {
        inner: r,
        crc: crc32fast::Hasher::new(),
        len: 0,
    };
    let limit = header.body_len;
    for expected in &header.trees {
        // An older schema's trees: the open after a restore upgrades them.
        if !is_kam_tree(expected.name.as_bytes()) {
            return Err(damaged(format!("unknown tree '{}'", expected.name)));
        }
        if body.byte().map_err(damaged)? != b'S' {
            return Err(damaged(format!(
                "section '{}' does not start",
                expected.name
            )));
        }
        let mut len = [0u8; 2];
        body.exact(&mut len).map_err(damaged)?;
        let name = body
            .bytes(u16::from_be_bytes(len) as usize, limit)
            .map_err(damaged)?;
        if name != expected.name.as_bytes() {
            return Err(damaged(format!(
                "section '{}' where '{}' was expected",
                String::from_utf8_lossy(&name),
                expected.name
            )));
        }
        let mut entries = 0u64;
        loop {
            match body.byte().map_err(damaged)? {
                b'E' => {
                    let n = body.u32().map_err(damaged)? as usize;
                    let k = body.bytes(n, limit).map_err(damaged)?;
                    let n = body.u32().map_err(damaged)? as usize;
                    let v = body.bytes(n, limit).map_err(damaged)?;
                    entries += 1;
                    if entries > expected.entries {
                        return Err(damaged(format!(
                            "tree '{}' has more entries than the header's {}",
                            expected.name, expected.entries
                        )));
                    }
                    sink(&expected.name, k, v)?;
                }
                b'Z' => {
                    let mut n = [0u8; 8];
                    body.exact(&mut n).map_err(damaged)?;
                    let n = u64::from_be_bytes(n);
                    if n != entries || n != expected.entries {
                        return Err(damaged(format!(
                            "tree '{}': {entries} entries read, the section says {n}, \
                             the header {}",
                            expected.name, expected.entries
                        )));
                    }
                    break;
                }
                other => {
                    return Err(damaged(format!(
                        "unexpected byte 0x{other:02x} in tree '{}' at body offset {}",
                        expected.name,
                        body.len - 1
                    )));
                }
            }
        }
    }
    let mut rest = [0u8; 1];
    if read_full(&mut body.inner, &mut rest).map_err(|e| BackupError::Io(e.to_string()))? > 0 {
        return Err(damaged("bytes after the last section".into()));
    }
    if body.len != header.body_len {
        return Err(damaged(format!(
            "body of {} bytes, the header says {}",
            body.len, header.body_len
        )));
    }
    if body.crc.finalize() != header.body_crc32 {
        return Err(damaged("body checksum mismatch".into()));
    }
    if header.next_id > MAX_NEXT_ID {
        return Err(damaged(format!(
            "id counter {} out of range",
            header.next_id
        )));
    }
    Ok(header)
}

/// Checks a backup file completely (header, sections, counts, checksums)
/// without writing anything.
pub fn verify(file: &Path) -> Result<BackupHeader, BackupError> {
    walk(file, &mut |_, _, _| Ok(()))
}

/// Restores the backup `file` into `dir`, which must be empty or not exist.
/// The whole file is verified first; a restore that fails after that
/// removes what it wrote (and `dir` if it created it).
pub fn restore(file: &Path, dir: &Path, opts: &OpenOptions) -> Result<BackupHeader, BackupError> {
    restore_with(file, dir, opts, &mut |_, _, _| {})
}

/// `restore`, telling `progress(phase, entries done, entries in all)` as
/// it goes: the phase is "verify" (the whole file is read first), then
/// "restore". The totals are the header's counts.
pub fn restore_with(
    file: &Path,
    dir: &Path,
    opts: &OpenOptions,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<BackupHeader, BackupError> {
    let existed = match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(BackupError::TargetNotEmpty {
                    dir: dir.to_path_buf(),
                });
            }
            true
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            return Err(BackupError::TargetNotEmpty {
                dir: dir.to_path_buf(),
            });
        }
        Err(e) => return Err(BackupError::Io(format!("{}: {e}", dir.display()))),
    };
    let total = std::cell::Cell::new(None::<u64>);
    let mut done = 0u64;
    let header = walk_counted(file, &total, &mut |_, _, _| {
        done += 1;
        if let Some(t) = total.get() {
            progress("verify", done.min(t), t);
        }
        Ok(())
    })?;
    let all = header.trees.iter().map(|t| t.entries).sum::<u64>();
    progress("verify", all, all);
    progress("restore", 0, all);
    let result = write_restore(file, dir, opts, &header, &mut |n| {
        progress("restore", n.min(all), all)
    });
    if result.is_ok() {
        progress("restore", all, all);
    }
    if result.is_err() {
        // Everything in the directory is ours: it was empty or new.
        if existed {
            if let Ok(entries) = std::fs::read_dir(dir) {
                for e in entries.flatten() {
                    let p = e.path();
                    let _ = if p.is_dir() {
                        std::fs::remove_dir_all(&p)
                    } else {
                        std::fs::remove_file(&p)
                    };
                }
            }
        } else {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    result.map(|()| header)
}

fn write_restore(
    file: &Path,
    dir: &Path,
    opts: &OpenOptions,
    header: &BackupHeader,
    progress: &mut dyn FnMut(u64),
) -> Result<(), BackupError> {
    let mut done = 0u64;
    {
        let store = Store::open_with(dir, opts)?;
        store.tree_counts.forget_all();
        let db = store.db.clone();
        let mut batch = sled::Batch::default();
        let mut pending = 0usize;
        let mut written = 0usize;
        let mut current: Option<String> = None;
        let mut tree: Option<sled::Tree> = None;
        // The new database's own header goes: the backup's is written in
        // its place (it may name an older schema, migrated below).
        db.open_tree("meta")?.clear()?;
        walk(file, &mut |name, k, v| {
            if current.as_deref() != Some(name) {
                flush(&tree, &mut batch, &mut pending)?;
                tree = Some(db.open_tree(name).map_err(StoreError::from)?);
                current = Some(name.to_string());
            }
            batch.insert(k, v);
            pending += 1;
            done += 1;
            progress(done);
            if pending >= RESTORE_BATCH {
                flush(&tree, &mut batch, &mut pending)?;
                written += 1;
                // sled keeps written pages in memory until they are on
                // disk: flushing now and then bounds a large restore.
                if written.is_multiple_of(FLUSH_EVERY) {
                    db.flush().map_err(StoreError::from)?;
                }
            }
            Ok(())
        })?;
        flush(&tree, &mut batch, &mut pending)?;
        // sled's id counter lives outside the trees: run it past every id
        // the backed-up database had handed out.
        while db.generate_id()? < header.next_id {}
        db.flush()?;
        if db
            .open_tree("meta")?
            .get(super::open::HEADER_KEY)?
            .is_none()
        {
            return Err(BackupError::Damaged {
                file: file.to_path_buf(),
                detail: "it holds no database header".into(),
            });
        }
    }
    // Reopen: checks the header and brings an older schema up to date.
    Store::open_with(dir, opts)?;
    Ok(())
}

/// Writes the pending entries of a restore into their tree.
fn flush(
    tree: &Option<sled::Tree>,
    batch: &mut sled::Batch,
    pending: &mut usize,
) -> Result<(), StoreError> {
    if let Some(t) = tree
        && *pending > 0
    {
        t.apply_batch(std::mem::take(batch))?;
        *pending = 0;
    }
    Ok(())
}

/// The restore points of the database in `db`, oldest first.
pub fn restore_points(db: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(db.join(RESTORE_POINTS_DIR)) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("kam-") && n.ends_with(BACKUP_SUFFIX))
        })
        .collect();
    // Names hold the UTC time they were taken (`kam-YYYYMMDDTHHMMSSZ`).
    v.sort();
    v
}

/// The newest restore point of the database in `db`, if it has one.
pub fn newest_restore_point(db: &Path) -> Option<PathBuf> {
    restore_points(db).pop()
}

/// A sentence for the damaged-database message: the newest restore point
/// and the command that restores it (empty when there is none).
pub fn restore_hint(db: &Path) -> String {
    let Some(point) = newest_restore_point(db) else {
        return String::new();
    };
    let name = db
        .file_name()
        .map_or_else(|| "kam".to_string(), |n| n.to_string_lossy().into_owned());
    let target = db.with_file_name(format!("{name}.restored"));
    let (p, t) = (shell_word(&point), shell_word(&target));
    format!(
        " Its newest restore point is {p}: run `kam restore {p} --db {t}`, then move the \
         damaged directory aside and {t} into its place."
    )
}

/// A path as one shell word (quoted when it needs to be), so the command
/// in a message can be pasted as it is.
fn shell_word(p: &Path) -> String {
    let s = p.display().to_string();
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:,=@".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hint_names_a_pasteable_command() {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("my db");
        assert_eq!(restore_hint(&db), "");
        let dir = db.join(RESTORE_POINTS_DIR);
        std::fs::create_dir_all(&dir).unwrap();
        for n in [
            "kam-20260101T000000Z.kambackup",
            "kam-20260102T000000Z.kambackup",
        ] {
            std::fs::write(dir.join(n), b"").unwrap();
        }
        let hint = restore_hint(&db);
        let point = dir.join("kam-20260102T000000Z.kambackup");
        let target = tmp.path().join("my db.restored");
        assert!(
            hint.contains(&format!(
                "kam restore '{}' --db '{}'",
                point.display(),
                target.display()
            )),
            "{hint}"
        );
        assert_eq!(shell_word(Path::new("/a/b.c")), "/a/b.c");
    }

    /// Rewrites the header of a backup file (checksummed again).
    fn rewrite_header(file: &Path, edit: impl FnOnce(&mut BackupHeader)) {
        let mut bytes = std::fs::read(file).unwrap();
        let mut h = read_header(file, &mut bytes.as_slice()).unwrap();
        edit(&mut h);
        let json = serde_json::to_vec(&h).unwrap();
        bytes[12..16].copy_from_slice(&(json.len() as u32).to_be_bytes());
        bytes[16..20].copy_from_slice(&crc32fast::hash(&json).to_be_bytes());
        bytes[20..HEADER_SPACE as usize].fill(0);
        bytes[20..20 + json.len()].copy_from_slice(&json);
        std::fs::write(file, bytes).unwrap();
    }

    #[test]
    fn a_restored_database_hands_out_ids_past_the_backed_up_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(&tmp.path().join("a")).unwrap();
        let file = tmp.path().join("a.kambackup");
        let mut f = File::create_new(&file).unwrap();
        let h = store.write_backup(&mut f).unwrap();
        assert!(h.next_id > 0);
        drop((f, store));
        // sled jumps its counter by a few million when it reopens a
        // database: only a counter beyond that shows the restore's own work.
        let far = 3_500_000;
        rewrite_header(&file, |h| h.next_id = far);
        verify(&file).unwrap();
        let dir = tmp.path().join("b");
        restore(&file, &dir, &OpenOptions::default()).unwrap();
        let restored = Store::open(&dir).unwrap();
        assert!(restored.reserve_id().unwrap() >= far);

        // a counter no kam ran up is damage, refused before writing
        rewrite_header(&file, |h| h.next_id = u64::MAX);
        let e = restore(&file, &tmp.path().join("c"), &OpenOptions::default()).unwrap_err();
        assert!(matches!(e, BackupError::Damaged { .. }), "{e}");
        assert!(!tmp.path().join("c").exists());
        assert_eq!(shell_word(Path::new("it's")), "'it'\\''s'");
    }
}
