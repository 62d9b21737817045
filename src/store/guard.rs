//! The open guard: sled's recovery never drops data silently.
//!
//! When sled opens a log whose tail it cannot read (a torn or damaged
//! message), it treats the rest as never written and overwrites it — data
//! after a flipped byte would be gone without a word. So:
//!
//! * an orderly close writes `kam.closed`: every sled file's length and
//!   checksum, and how many entries each tree held (kept as the store
//!   writes, see `counts`);
//! * an open that finds the files exactly as that marker says goes ahead
//!   (nothing to recover), and removes the marker until the next close;
//! * any other open of an existing database (after a crash, or with the
//!   files changed since the close) first copies the files aside to
//!   `kam-copy-before-open/`, opens, reads every entry, and refuses with the
//!   damaged message naming the copy when the open lost anything: fewer
//!   entries than at the last orderly close, or a shorter log file. An
//!   accepted open removes the copy again.

use super::counts::TreeCounts;
use super::error::{Result, StoreError, short_detail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The clean-close marker.
pub const CLOSED_FILE: &str = "kam.closed";
/// The copy of the files taken before an open that may repair them.
pub const COPY_DIR: &str = "kam-copy-before-open";
/// The marker while it is written.
pub const CLOSED_TMP: &str = "kam.closed.tmp";
/// Present while a staged write runs (`staging`): the length of the log
/// once the seq its entry is to take was flushed. Everything the log holds
/// beyond that was not acknowledged, so a recovery that cuts the log no
/// shorter than this lost only the staged records, which the open then
/// deletes.
pub const STAGING_FILE: &str = "kam.staging";

/// The log's length now, to write as `STAGING_FILE`.
pub fn current_log_len(dir: &Path) -> std::io::Result<u64> {
    Ok(std::fs::metadata(dir.join("db"))?.len())
}

/// The floor a staged write recorded, if one was under way.
fn staging_floor(dir: &Path) -> Option<u64> {
    std::fs::read_to_string(dir.join(STAGING_FILE))
        .ok()?
        .trim()
        .parse()
        .ok()
}

const MARKER_HEADER: &str = "kam closed v1";

/// A sled file: its name (relative to the database directory), length and
/// CRC-32.
type FileSum = (String, u64, u32);

/// What an orderly close recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    files: Vec<FileSum>,
    trees: BTreeMap<String, u64>,
}

impl Marker {
    fn to_text(&self) -> String {
        let mut s = format!("{MARKER_HEADER}\n");
        for (name, len, crc) in &self.files {
            s.push_str(&format!("file {len} {crc:08x} {name}\n"));
        }
        for (name, n) in &self.trees {
            s.push_str(&format!("tree {n} {name}\n"));
        }
        s
    }

    fn parse(text: &str) -> Option<Marker> {
        let mut lines = text.lines();
        if lines.next()? != MARKER_HEADER {
            return None;
        }
        let mut m = Marker {
            files: Vec::new(),
            trees: BTreeMap::new(),
        };
        for line in lines {
            let mut parts = line.splitn(4, ' ');
            match parts.next()? {
                "file" => {
                    let len = parts.next()?.parse().ok()?;
                    let crc = u32::from_str_radix(parts.next()?, 16).ok()?;
                    m.files.push((parts.next()?.to_string(), len, crc));
                }
                "tree" => {
                    let n = parts.next()?.parse().ok()?;
                    let rest: Vec<&str> = parts.collect();
                    m.trees.insert(rest.join(" "), n);
                }
                _ => return None,
            }
        }
        Some(m)
    }
}

/// What `before_open` decided.
pub enum Plan {
    /// A new database (no counts), or one exactly as its last orderly
    /// close left it (the counts that close recorded).
    Trusted(Option<BTreeMap<String, u64>>),
    /// Files changed since the last orderly close (or it never closed
    /// orderly): checked after the open against `marker` and `before`.
    Checked {
        marker: Option<Marker>,
        before: Vec<FileSum>,
        copy: PathBuf,
        /// The copy was made by this open (not left by an earlier one).
        made_copy: bool,
    },
}

fn is_sled_entry(name: &str) -> bool {
    name == "db" || name == "conf" || name == "blobs" || name.starts_with("snap.")
}

/// Every sled file under `dir` with its length and checksum, sorted.
fn fingerprint(dir: &Path) -> std::io::Result<Vec<FileSum>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !is_sled_entry(&name) {
            continue;
        }
        if e.file_type()?.is_dir() {
            for b in std::fs::read_dir(e.path())? {
                let b = b?;
                let sub = format!("{name}/{}", b.file_name().to_string_lossy());
                out.push(sum(&b.path(), sub)?);
            }
        } else {
            out.push(sum(&e.path(), name)?);
        }
    }
    out.sort();
    Ok(out)
}

/// A file's length and checksum, read in parts side by side: the log of a
/// 100k-account book is over 600 MB, summed at every open and close.
fn sum(path: &Path, name: String) -> std::io::Result<FileSum> {
    let file = std::fs::File::open(path)?;
    let parts = if file.metadata()?.len() < SPLIT_ABOVE {
        1
    } else {
        crate::par::threads()
    };
    let (len, crc) = sum_in_parts(&file, parts)?;
    Ok((name, len, crc))
}

/// Files smaller than this are summed on one thread.
const SPLIT_ABOVE: u64 = 16 << 20;

/// Length and CRC-32 of `file` as one pass to its end gives them, from
/// `parts` ranges read on their own threads and combined in order (the
/// last runs to the end of the file, however long it is by then). Each
/// streams through one buffer: reading the log whole doubled the open's
/// peak memory.
fn sum_in_parts(file: &std::fs::File, parts: usize) -> std::io::Result<(u64, u32)> {
    let size = file.metadata()?.len();
    let per = size.div_ceil(parts.max(1) as u64).max(1);
    let starts: Vec<u64> = (0..parts.max(1) as u64).map(|k| k * per).collect();
    let sums: Vec<std::io::Result<(u64, crc32fast::Hasher)>> = std::thread::scope(|s| {
        let handles: Vec<_> = starts
            .iter()
            .enumerate()
            .map(|(k, &start)| {
                let end = (k + 1 < starts.len()).then_some(start + per);
                s.spawn(move || sum_range(file, start, end))
            })
            .collect();
        handles.into_iter().map(crate::par::join).collect()
    });
    let mut crc = crc32fast::Hasher::new();
    let mut len = 0;
    for part in sums {
        let (n, h) = part?;
        crc.combine(&h);
        len += n;
    }
    Ok((len, crc.finalize()))
}

/// Bytes `start..end` of `file` (to its end when `end` is none), summed.
fn sum_range(
    file: &std::fs::File,
    start: u64,
    end: Option<u64>,
) -> std::io::Result<(u64, crc32fast::Hasher)> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; 1 << 20];
    let mut crc = crc32fast::Hasher::new();
    let mut at = start;
    loop {
        let want = end.map_or(buf.len() as u64, |e| {
            e.saturating_sub(at).min(buf.len() as u64)
        });
        if want == 0 {
            break;
        }
        match file.read_at(&mut buf[..want as usize], at) {
            Ok(0) => break,
            Ok(n) => {
                crc.update(&buf[..n]);
                at += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok((at - start, crc))
}

/// Copies the sled files of `dir` into `to` (a fresh directory).
fn copy_files(dir: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir(to)?;
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !is_sled_entry(&name) {
            continue;
        }
        if e.file_type()?.is_dir() {
            std::fs::create_dir(to.join(&name))?;
            for b in std::fs::read_dir(e.path())? {
                let b = b?;
                std::fs::copy(b.path(), to.join(&name).join(b.file_name()))?;
            }
        } else {
            std::fs::copy(e.path(), to.join(&name))?;
        }
    }
    Ok(())
}

fn io_err(dir: &Path, what: &str, e: std::io::Error) -> StoreError {
    if super::error::is_full(&e) {
        return StoreError::Full {
            path: dir.to_path_buf(),
            detail: format!("{what}: {e}"),
        };
    }
    StoreError::Io(format!("{}: {what}: {e}", dir.display()))
}

/// Decides, before sled sees the files, whether this open needs checking,
/// and if so keeps a copy of the files as they are now.
pub fn before_open(dir: &Path, had_data: bool) -> Result<Plan> {
    if !had_data {
        return Ok(Plan::Trusted(None));
    }
    let marker = std::fs::read_to_string(dir.join(CLOSED_FILE))
        .ok()
        .and_then(|t| Marker::parse(&t));
    let before = fingerprint(dir).map_err(|e| io_err(dir, "reading the database files", e))?;
    if let Some(m) = marker.as_ref().filter(|m| m.files == before) {
        return Ok(Plan::Trusted(Some(m.trees.clone())));
    }
    let copy = dir.join(COPY_DIR);
    // A copy left by an earlier refused open is the older, better one.
    let made_copy = !copy.exists();
    if made_copy {
        copy_files(dir, &copy).map_err(|e| {
            let _ = std::fs::remove_dir_all(&copy);
            io_err(dir, "copying the database files aside before opening", e)
        })?;
    }
    Ok(Plan::Checked {
        marker,
        before,
        copy,
        made_copy,
    })
}

/// Entries per tree, reading every key and value (a damaged page shows up
/// here rather than in the middle of a later command).
fn count_trees(db: &sled::Db) -> std::result::Result<BTreeMap<String, u64>, sled::Error> {
    let mut trees = BTreeMap::new();
    for name in db.tree_names() {
        let tree = db.open_tree(&name)?;
        let n = super::counts::count(&tree)?;
        trees.insert(String::from_utf8_lossy(&name).into_owned(), n);
    }
    Ok(trees)
}

/// Adds, to a damaged message of a checked open, where the copy of the
/// files from before the open is.
pub fn name_copy(plan: &Plan, e: StoreError) -> StoreError {
    match (plan, e) {
        (Plan::Checked { copy, .. }, StoreError::Damaged { path, detail }) => StoreError::Damaged {
            path,
            detail: format!(
                "{detail}; the files as they were before this open are in {}",
                copy.display()
            ),
        },
        (_, e) => e,
    }
}

/// After sled opened the files: refuses an open that lost anything, else
/// forgets the marker (the database is in use now) and the copy, and gives
/// the entries per tree as far as they are known.
pub fn after_open(dir: &Path, db: &sled::Db, plan: &Plan) -> Result<TreeCounts> {
    let mut known = match plan {
        Plan::Trusted(counts) => counts.clone().unwrap_or_default(),
        Plan::Checked { .. } => BTreeMap::new(),
    };
    if let Plan::Checked {
        marker,
        before,
        copy,
        made_copy,
    } = plan
    {
        let damaged = |detail: String| StoreError::Damaged {
            path: dir.to_path_buf(),
            detail: format!(
                "{detail}. kam stopped before using it; the files as they were before this \
                 open are in {}",
                copy.display()
            ),
        };
        let trees = match super::open::quietly(|| count_trees(db)) {
            Ok(Ok(t)) => t,
            Ok(Err(e)) => return Err(damaged(super::error::sled_detail(&e))),
            Err(panic) => {
                return Err(damaged(format!(
                    "the storage engine failed reading it: {}",
                    short_detail(&panic)
                )));
            }
        };
        if let Some(m) = marker {
            let lost: Vec<String> = m
                .trees
                .iter()
                .filter(|(name, _)| super::counts::counted(name))
                .filter_map(|(name, was)| {
                    let now = trees.get(name).copied().unwrap_or(0);
                    // More is someone else's writing (an older kam, a tool),
                    // not a loss.
                    (now < *was).then(|| format!("{name}: {was} then, {now} now"))
                })
                .collect();
            if !lost.is_empty() {
                return Err(damaged(format!(
                    "its files changed since it was last closed, and the storage engine's \
                     recovery does not give back what was there: {}",
                    lost.join(", ")
                )));
            }
        }
        let log_len = |files: &[FileSum]| files.iter().find(|f| f.0 == "db").map(|f| f.1);
        let after = fingerprint(dir).map_err(|e| io_err(dir, "reading the database files", e))?;
        if let (Some(was), Some(now)) = (log_len(before), log_len(&after))
            && now < was
            && staging_floor(dir).is_none_or(|floor| now < floor)
        {
            return Err(damaged(format!(
                "the storage engine's recovery cut its log from {was} to {now} bytes"
            )));
        }
        if *made_copy {
            let _ = std::fs::remove_dir_all(copy);
        }
        known = trees;
    }
    match std::fs::remove_file(dir.join(CLOSED_FILE)) {
        Ok(()) => Ok(TreeCounts::new(known)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TreeCounts::new(known)),
        Err(e) => Err(io_err(dir, "marking the database open", e)),
    }
}

/// An orderly close: everything flushed, then the marker that lets the next
/// open trust the files as they are. Written to a temporary file and renamed,
/// so a crash never leaves half a marker.
pub fn close(dir: &Path, db: &sled::Db, counts: &TreeCounts) -> std::io::Result<()> {
    db.flush().map_err(std::io::Error::other)?;
    let trees = counts.resolve(db).map_err(std::io::Error::other)?;
    let files = fingerprint(dir)?;
    let marker = Marker { files, trees };
    let tmp = dir.join(CLOSED_TMP);
    std::fs::write(&tmp, marker.to_text())?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, dir.join(CLOSED_FILE))
}

/// Closes the database orderly when the last handle of a `Store` goes, and
/// keeps the database known to storage error messages while it is open.
pub struct Closer {
    dir: PathBuf,
    /// Taken when the closer goes (see `drop`).
    db: Option<sled::Db>,
    counts: TreeCounts,
}

/// How long a close waits for sled to let go of its lock.
const RELEASE_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

impl Closer {
    pub fn new(dir: &Path, db: sled::Db, counts: TreeCounts) -> Closer {
        super::error::register_open(dir);
        Closer {
            dir: dir.to_path_buf(),
            db: Some(db),
            counts,
        }
    }

    /// Writes the clean-close marker now (a process about to `exit`).
    pub fn close_now(&self) -> std::io::Result<()> {
        match &self.db {
            Some(db) => close(&self.dir, db, &self.counts),
            None => Ok(()),
        }
    }
}

impl Drop for Closer {
    /// Runs when the last `Store` handle goes (its trees went before it).
    fn drop(&mut self) {
        // A database whose directory went away has nothing to mark.
        if self.dir.is_dir() {
            let _ = self.close_now();
        }
        // sled lets go of its file lock once the last of its own threads'
        // writes is done, which can be a moment after its last handle is
        // dropped: the close waits for it, so that an open right after this
        // one (in this process or another) finds the database free.
        drop(self.db.take());
        super::open::wait_unlocked(&self.dir, RELEASE_WAIT);
        super::error::unregister_open(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Summed in parts, a file gives the length and checksum of one pass,
    /// whatever the split (parts of uneven size, more parts than bytes).
    #[test]
    fn a_file_summed_in_parts_is_summed_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let bytes: Vec<u8> = (0..(3 << 20) + 7)
            .map(|i: u32| (i * 7 + i / 13) as u8)
            .collect();
        std::fs::write(&path, &bytes).unwrap();
        let want = (bytes.len() as u64, crc32fast::hash(&bytes));
        let file = std::fs::File::open(&path).unwrap();
        for parts in [1, 2, 3, 4, 7] {
            assert_eq!(sum_in_parts(&file, parts).unwrap(), want, "{parts} parts");
        }
        let tiny = dir.path().join("tiny");
        std::fs::write(&tiny, b"ab").unwrap();
        let file = std::fs::File::open(&tiny).unwrap();
        assert_eq!(sum_in_parts(&file, 4).unwrap(), (2, crc32fast::hash(b"ab")));
        std::fs::write(&tiny, b"").unwrap();
        let file = std::fs::File::open(&tiny).unwrap();
        assert_eq!(sum_in_parts(&file, 3).unwrap(), (0, crc32fast::hash(b"")));
    }

    #[test]
    fn markers_read_back_what_they_wrote() {
        let m = Marker {
            files: vec![("blobs/7".into(), 3, 0xdead), ("db".into(), 4096, 1)],
            trees: [
                ("accounts".to_string(), 5),
                ("__sled__default".to_string(), 0),
            ]
            .into_iter()
            .collect(),
        };
        assert_eq!(Marker::parse(&m.to_text()), Some(m));
        assert_eq!(Marker::parse("something else"), None);
        assert_eq!(Marker::parse("kam closed v1\nfile x"), None);
    }
}
