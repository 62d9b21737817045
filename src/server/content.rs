//! An input file's content on the wire (`protocol::InputFile`). It travels
//! as a byte sequence, exactly as a `Vec<u8>` does. The client sends a
//! file from disk as it reads it, and the server keeps a large one in an
//! unnamed temporary file as its frames arrive: an import's file (100 MB
//! for a million interactions) was held whole by both through the import.

use serde::de::{Error as _, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fs::File;
use std::io::{BufWriter, Read, Seek, Write};

/// Content from this size on is written to a temporary file as received.
const SPOOL_AT: usize = 1 << 20;

#[derive(Debug)]
pub enum Content {
    Bytes(Vec<u8>),
    /// In a file, read from its start: the client's input file, or one the
    /// server received into an unnamed temporary file.
    InFile {
        file: File,
        len: u64,
    },
}

impl Content {
    /// The content of an input file named on the command line, left on
    /// disk until it is sent; `-` is standard input, read here.
    pub fn of_input(path: &std::path::Path) -> std::io::Result<Content> {
        if path.as_os_str() == "-" {
            return crate::commands::read_input(path).map(Content::Bytes);
        }
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(Content::InFile { file, len })
    }

    /// The content as a reader from its start, with its length.
    pub fn into_reader(self) -> std::io::Result<(Box<dyn Read>, u64)> {
        match self {
            Content::Bytes(bytes) => Ok(crate::commands::in_memory(bytes)),
            Content::InFile { mut file, len } => {
                file.rewind()?;
                Ok((Box::new(std::io::BufReader::new(file)), len))
            }
        }
    }

    /// The content, read whole (a small file: a model).
    pub fn to_vec(&self) -> std::io::Result<Vec<u8>> {
        match self {
            Content::Bytes(bytes) => Ok(bytes.clone()),
            Content::InFile { file, len } => {
                let mut file = file.try_clone()?;
                file.rewind()?;
                let mut out = Vec::with_capacity(usize::try_from(*len).unwrap_or(0));
                file.read_to_end(&mut out)?;
                Ok(out)
            }
        }
    }
}

impl Serialize for Content {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Content::Bytes(bytes) => bytes.serialize(s),
            Content::InFile { file, len } => {
                use serde::ser::{Error, SerializeSeq};
                let failed =
                    |e: std::io::Error| S::Error::custom(format!("cannot send the file: {e}"));
                let expected = usize::try_from(*len).map_err(S::Error::custom)?;
                // `&File` reads and seeks the one file (a resend reads it again).
                let mut file = file;
                file.rewind().map_err(failed)?;
                let mut seq = s.serialize_seq(Some(expected))?;
                let mut buf = vec![0u8; 64 * 1024];
                let mut sent = 0usize;
                loop {
                    let n = file.read(&mut buf).map_err(failed)?;
                    if n == 0 {
                        break;
                    }
                    if sent + n > expected {
                        return Err(S::Error::custom("the file grew while it was sent"));
                    }
                    for b in &buf[..n] {
                        seq.serialize_element(b)?;
                    }
                    sent += n;
                }
                if sent != expected {
                    return Err(S::Error::custom("the file shrank while it was sent"));
                }
                seq.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Content, D::Error> {
        d.deserialize_seq(ContentVisitor)
    }
}

struct ContentVisitor;

impl<'de> Visitor<'de> for ContentVisitor {
    type Value = Content;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a file's bytes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Content, A::Error> {
        let len = seq.size_hint().unwrap_or(0);
        // A temporary file that cannot be made: the content is kept in
        // memory, as before.
        let spool = (len >= SPOOL_AT).then(unnamed_file).and_then(Result::ok);
        let Some(file) = spool else {
            // Not more up front than a megabyte: the length is the peer's word.
            let mut bytes = Vec::with_capacity(len.min(SPOOL_AT));
            while let Some(b) = seq.next_element::<u8>()? {
                bytes.push(b);
            }
            return Ok(Content::Bytes(bytes));
        };
        let mut out = BufWriter::with_capacity(64 * 1024, file);
        let mut written = 0u64;
        let failed = |e: std::io::Error| A::Error::custom(format!("cannot keep the file: {e}"));
        while let Some(b) = seq.next_element::<u8>()? {
            out.write_all(&[b]).map_err(failed)?;
            written += 1;
        }
        let mut file = out.into_inner().map_err(|e| failed(e.into_error()))?;
        file.rewind().map_err(failed)?;
        Ok(Content::InFile { file, len: written })
    }
}

/// A new file in the temporary directory, readable and writable by this
/// user only, its name removed at once: it goes when it is closed, even if
/// the process dies.
fn unnamed_file() -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir();
    let mut tries = 0;
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("kam-input-{}-{n}", std::process::id()));
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(file) => {
                std::fs::remove_file(&path)?;
                return Ok(file);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 100 => tries += 1,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::frame;

    fn through_the_wire(bytes: &[u8]) -> Content {
        let mut wire = Vec::new();
        frame::send(&mut wire, &Content::Bytes(bytes.to_vec())).unwrap();
        // The same bytes as a plain `Vec<u8>` sends.
        let mut plain = Vec::new();
        frame::send(&mut plain, &bytes.to_vec()).unwrap();
        assert_eq!(wire, plain);
        frame::recv(&mut wire.as_slice(), usize::MAX).unwrap()
    }

    #[test]
    fn a_large_file_is_kept_on_disk_and_read_back_whole() {
        let big: Vec<u8> = (0..SPOOL_AT * 2 + 7).map(|i| (i % 253) as u8).collect();
        let got = through_the_wire(&big);
        assert!(matches!(got, Content::InFile { len, .. } if len == big.len() as u64));
        assert!(got.to_vec().unwrap() == big, "read whole");
        let (mut r, len) = got.into_reader().unwrap();
        let mut back = Vec::new();
        r.read_to_end(&mut back).unwrap();
        assert_eq!(len, big.len() as u64);
        assert!(back == big, "read from its start after a whole read");
        // The file has no name: nothing is left behind in the directory.
        let ours = format!("kam-input-{}-", std::process::id());
        let left = std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with(&ours));
        assert!(
            !left,
            "a named input file was left in the temporary directory"
        );
    }

    /// The client sends a file from disk as it reads it: the same bytes on
    /// the wire as its content in memory, again for a resend; a file that
    /// changes size meanwhile is refused as the message's fault.
    #[test]
    fn a_file_is_sent_from_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        let body: Vec<u8> = (0..SPOOL_AT + 5).map(|i| (i % 241) as u8).collect();
        std::fs::write(&path, &body).unwrap();
        let content = Content::of_input(&path).unwrap();
        assert!(matches!(content, Content::InFile { len, .. } if len == body.len() as u64));
        let mut plain = Vec::new();
        frame::send(&mut plain, &body).unwrap();
        for _ in 0..2 {
            let mut wire = Vec::new();
            frame::send(&mut wire, &content).unwrap();
            assert!(wire == plain, "the same bytes as the content in memory");
        }
        std::fs::write(&path, &body[..10]).unwrap();
        let err = frame::send(&mut Vec::new(), &content).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
        assert_eq!(err.to_string(), "the file shrank while it was sent");
        assert!(Content::of_input(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn a_small_file_stays_in_memory() {
        let got = through_the_wire(b"key,name\nK-1,One\n");
        assert!(matches!(&got, Content::Bytes(b) if b == b"key,name\nK-1,One\n"));
        assert!(through_the_wire(b"").to_vec().unwrap().is_empty());
    }
}
