//! Frames on the socket: a u32 big-endian length, then the payload. The
//! payload's first byte says whether the message is whole (`WHOLE`) or a part
//! that more parts follow (`PART`): a message larger than one frame is sent
//! in several, so the frame size stays bounded while results may be large.
//! Messages are serde values encoded with bincode 2 (standard config).

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::{self, Read, Write};

/// The largest frame accepted (length prefix excluded).
pub const MAX_FRAME: usize = 16 * 1024 * 1024;
/// Payload bytes per frame when splitting a message.
const CHUNK: usize = 1024 * 1024;
const WHOLE: u8 = 0;
const PART: u8 = 1;

const CONFIG: bincode::config::Configuration = bincode::config::standard();

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The peer closed the connection between messages.
    #[error("connection closed")]
    Closed,
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("frame of {0} bytes exceeds the limit of {MAX_FRAME}")]
    Oversized(usize),
    #[error("message of more than {0} bytes refused")]
    TooLarge(usize),
    #[error("malformed message: {0}")]
    Malformed(String),
}

/// Writes one raw frame (the payload must fit in `MAX_FRAME`).
pub fn write_frame(w: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    debug_assert!(payload.len() <= MAX_FRAME);
    let len = u32::try_from(payload.len()).map_err(io::Error::other)?;
    w.write_all(&len.to_be_bytes())?;
    w.write_all(payload)
}

/// Reads one raw frame. `Closed` when the stream ends before a new frame.
pub fn read_frame(r: &mut impl Read) -> Result<Vec<u8>, FrameError> {
    let mut len = [0u8; 4];
    if let Err(e) = r.read_exact(&mut len) {
        return Err(match e.kind() {
            io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => FrameError::Closed,
            _ => FrameError::Io(e),
        });
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(FrameError::Oversized(len));
    }
    let mut buf = vec![0u8; len];
    r.read_exact(&mut buf)?;
    Ok(buf)
}

/// Encodes a message (no framing).
pub fn encode<T: Serialize>(msg: &T) -> io::Result<Vec<u8>> {
    bincode::serde::encode_to_vec(msg, CONFIG).map_err(io::Error::other)
}

/// Decodes a whole message; trailing bytes are an error.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, FrameError> {
    let (v, used) = decode_limited::<T>(bytes).map_err(|e| FrameError::Malformed(e.to_string()))?;
    if used != bytes.len() {
        return Err(FrameError::Malformed(format!(
            "{} trailing bytes",
            bytes.len() - used
        )));
    }
    Ok(v)
}

/// `bytes` decoded with a limit on what its lengths may claim: 64 times the
/// size class of the message. Without one, a garbled length (a string of
/// 2^62 bytes) was allocated before it was found short, and the process
/// aborted; no real message claims that much more than it holds (a length
/// is at most a few times the bytes its items take on the wire).
fn decode_limited<T: DeserializeOwned>(
    bytes: &[u8],
) -> Result<(T, usize), bincode::error::DecodeError> {
    macro_rules! within {
        ($limit:expr) => {
            bincode::serde::decode_from_slice::<T, _>(bytes, CONFIG.with_limit::<{ $limit }>())
        };
    }
    match bytes.len() {
        0..=4096 => within!(1 << 18),
        4097..=65536 => within!(1 << 22),
        65537..=1048576 => within!(1 << 26),
        1048577..=16777216 => within!(1 << 30),
        _ => within!(1 << 36),
    }
}

/// Sends a message, in several frames when it is large. It is framed as
/// it is encoded: a large one (an import's file, an export) is not held
/// a second time as one encoded buffer.
pub fn send<T: Serialize>(w: &mut impl Write, msg: &T) -> io::Result<()> {
    let mut framer = Framer {
        w: &mut *w,
        frame: vec![PART],
    };
    bincode::serde::encode_into_std_write(msg, &mut framer, CONFIG).map_err(|e| match e {
        bincode::error::EncodeError::Io { inner, .. } => inner,
        // The message itself could not be made (an input file changed
        // while it was sent): not a connection's failure.
        bincode::error::EncodeError::OtherString(msg) => {
            io::Error::new(io::ErrorKind::InvalidInput, msg)
        }
        other => io::Error::new(io::ErrorKind::InvalidInput, other.to_string()),
    })?;
    framer.frame[0] = WHOLE;
    write_frame(framer.w, &framer.frame)?;
    w.flush()
}

/// Cuts what is written into frames of `CHUNK` payload bytes. A full frame
/// goes out as a `PART` once more bytes follow; `send` writes the last one
/// as `WHOLE`.
struct Framer<'a, W: Write> {
    w: &'a mut W,
    /// The frame being filled: its kind, then up to `CHUNK` bytes.
    frame: Vec<u8>,
}

impl<W: Write> Write for Framer<'_, W> {
    fn write(&mut self, mut data: &[u8]) -> io::Result<usize> {
        let len = data.len();
        while !data.is_empty() {
            if self.frame.len() == 1 + CHUNK {
                write_frame(self.w, &self.frame)?;
                self.frame.truncate(1);
            }
            let n = (1 + CHUNK - self.frame.len()).min(data.len());
            self.frame.extend_from_slice(&data[..n]);
            data = &data[n..];
        }
        Ok(len)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Receives one message of at most `limit` bytes (all its parts together):
/// a peer cannot make the receiver buffer without bound. It is decoded as
/// its frames arrive: a large one (an import's file) was held whole as
/// received beside its decoded copy.
pub fn recv<T: DeserializeOwned>(r: &mut impl Read, limit: usize) -> Result<T, FrameError> {
    let mut de = Deframer {
        r,
        frame: Vec::new(),
        pos: 0,
        last: false,
        started: false,
        total: 0,
        limit,
        failed: None,
    };
    // No length the message claims can exceed the message itself: a
    // garbled one (a string of 2^62 bytes) is refused, not allocated.
    macro_rules! within {
        ($limit:expr) => {
            bincode::serde::decode_from_reader::<T, _, _>(
                &mut de,
                CONFIG.with_limit::<{ $limit }>(),
            )
        };
    }
    let decoded = match limit {
        0..=0x100_0000 => within!(0x100_0000),
        0x100_0001..=0x1000_0000 => within!(0x1000_0000),
        _ => within!(0x4000_0000),
    };
    if let Some(e) = de.failed.take() {
        return Err(e);
    }
    let v = decoded.map_err(|e| FrameError::Malformed(e.to_string()))?;
    let trailing = de.rest()?;
    if trailing > 0 {
        return Err(FrameError::Malformed(format!("{trailing} trailing bytes")));
    }
    Ok(v)
}

/// The payload of a message's frames, read one frame at a time as the
/// decoder asks for bytes.
struct Deframer<'a, R: Read> {
    r: &'a mut R,
    frame: Vec<u8>,
    /// Next byte of `frame` to hand out (its kind byte is skipped).
    pos: usize,
    /// `frame` is the message's last (`WHOLE`).
    last: bool,
    started: bool,
    /// Payload bytes received so far, and at most.
    total: usize,
    limit: usize,
    /// What ended the frames early, told to `recv`'s caller rather than
    /// as the decoder's error.
    failed: Option<FrameError>,
}

impl<R: Read> Deframer<'_, R> {
    /// Reads the message's next frame; false at its end or on a failure
    /// (kept in `failed`).
    fn next_frame(&mut self) -> bool {
        if self.last || self.failed.is_some() {
            return false;
        }
        let frame = match read_frame(self.r) {
            Err(FrameError::Closed) if self.started => {
                Err(FrameError::Malformed("message cut short".into()))
            }
            other => other,
        };
        let checked = frame.and_then(|f| {
            let kind = *f
                .first()
                .ok_or_else(|| FrameError::Malformed("empty frame".into()))?;
            if !matches!(kind, WHOLE | PART) {
                return Err(FrameError::Malformed(format!("unknown frame kind {kind}")));
            }
            if self.total + f.len() - 1 > self.limit {
                return Err(FrameError::TooLarge(self.limit));
            }
            Ok((kind, f))
        });
        match checked {
            Ok((kind, f)) => {
                self.started = true;
                self.total += f.len() - 1;
                self.last = kind == WHOLE;
                self.frame = f;
                self.pos = 1;
                true
            }
            Err(e) => {
                self.failed = Some(e);
                false
            }
        }
    }

    /// The bytes left in the message once it is decoded, its frames read
    /// to its end so the next message starts where it should.
    fn rest(&mut self) -> Result<usize, FrameError> {
        let mut n = self.frame.len().saturating_sub(self.pos);
        self.pos = self.frame.len();
        while self.next_frame() {
            n += self.frame.len() - 1;
            self.pos = self.frame.len();
        }
        match self.failed.take() {
            Some(e) => Err(e),
            None => Ok(n),
        }
    }
}

impl<R: Read> bincode::de::read::Reader for Deframer<'_, R> {
    fn read(&mut self, mut bytes: &mut [u8]) -> Result<(), bincode::error::DecodeError> {
        while !bytes.is_empty() {
            if self.pos == self.frame.len() && !self.next_frame() {
                return Err(bincode::error::DecodeError::UnexpectedEnd {
                    additional: bytes.len(),
                });
            }
            let n = bytes.len().min(self.frame.len() - self.pos);
            bytes[..n].copy_from_slice(&self.frame[self.pos..self.pos + n]);
            self.pos += n;
            bytes = &mut bytes[n..];
        }
        Ok(())
    }

    fn peek_read(&mut self, n: usize) -> Option<&[u8]> {
        if self.pos == self.frame.len() {
            self.next_frame();
        }
        self.frame.get(self.pos..self.pos + n)
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A length that claims far more than the message holds is an error,
    /// not an allocation (which aborted the process).
    #[test]
    fn a_garbled_length_is_refused_before_it_is_allocated() {
        // bincode's varint: 253, then a u64 (little-endian): 2^62 bytes.
        let bytes = [253, 0, 0, 0, 0, 0, 0, 0, 0x40, b'x'];
        assert!(matches!(
            decode::<String>(&bytes),
            Err(FrameError::Malformed(_))
        ));
        assert!(matches!(
            decode::<Vec<u8>>(&bytes),
            Err(FrameError::Malformed(_))
        ));
        // A real message still decodes.
        let text = "x".repeat(100_000);
        assert_eq!(decode::<String>(&encode(&text).unwrap()).unwrap(), text);
    }

    /// The kinds and payload sizes of the frames on `wire`.
    fn frames(mut wire: &[u8]) -> Vec<(u8, usize)> {
        let mut out = Vec::new();
        while let Ok(f) = read_frame(&mut wire) {
            out.push((f[0], f.len() - 1));
        }
        out
    }

    #[test]
    fn large_messages_travel_in_parts() {
        let big: Vec<u8> = (0..(CHUNK * 2 + 17)).map(|i| (i % 251) as u8).collect();
        let mut wire = Vec::new();
        send(&mut wire, &big).unwrap();
        // Three frames: two full parts and the whole tail (the length
        // prefix of the encoded bytes is 5 bytes: 2 MiB + 22 in all).
        assert_eq!(
            frames(&wire),
            [(PART, CHUNK), (PART, CHUNK), (WHOLE, 22)],
            "framed as encoded"
        );
        assert_eq!(encode(&big).unwrap().len(), 2 * CHUNK + 22);
        let back: Vec<u8> = recv(&mut wire.as_slice(), usize::MAX).unwrap();
        assert_eq!(back, big);
        // the same message is refused under a smaller limit
        let err = recv::<Vec<u8>>(&mut wire.as_slice(), CHUNK).unwrap_err();
        assert!(matches!(err, FrameError::TooLarge(_)), "{err}");
        // A message of exactly one frame's payload is one whole frame, as
        // is a small one.
        let exact: Vec<u8> = vec![7; CHUNK - 5];
        let mut wire = Vec::new();
        send(&mut wire, &exact).unwrap();
        assert_eq!(frames(&wire), [(WHOLE, CHUNK)]);
        assert_eq!(
            recv::<Vec<u8>>(&mut wire.as_slice(), usize::MAX).unwrap(),
            exact
        );
        let mut wire = Vec::new();
        send(&mut wire, &"hi").unwrap();
        assert_eq!(frames(&wire), [(WHOLE, 3)]);
    }

    /// The bytes on a wire that a message's own serializer can look at.
    #[derive(Clone, Default)]
    struct Wire(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl Write for Wire {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Notes how many bytes were on the wire when it was serialized.
    struct Probe(Wire, std::cell::Cell<usize>);

    impl Serialize for Probe {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.1.set(self.0.0.borrow().len());
            s.serialize_unit()
        }
    }

    #[test]
    fn a_large_message_is_on_the_wire_before_it_is_all_encoded() {
        let mut wire = Wire::default();
        let probe = Probe(wire.clone(), std::cell::Cell::new(0));
        let big = vec![1u8; CHUNK + CHUNK / 2];
        send(&mut wire, &(&big, &probe)).unwrap();
        assert_eq!(probe.1.get(), 4 + 1 + CHUNK, "one frame went first");
        let back: (Vec<u8>, ()) = recv(&mut wire.0.borrow().as_slice(), usize::MAX).unwrap();
        assert_eq!(back.0, big);
    }

    #[test]
    fn bad_frames_are_errors_not_panics() {
        let mut wire = Vec::new();
        wire.extend_from_slice(&(MAX_FRAME as u32 + 1).to_be_bytes());
        assert!(matches!(
            recv::<String>(&mut wire.as_slice(), usize::MAX),
            Err(FrameError::Oversized(_))
        ));
        let mut wire = Vec::new();
        write_frame(&mut wire, &[WHOLE, 0xff, 0xff, 0xff]).unwrap();
        assert!(matches!(
            recv::<String>(&mut wire.as_slice(), usize::MAX),
            Err(FrameError::Malformed(_))
        ));
        assert!(matches!(
            recv::<String>(&mut [].as_slice(), usize::MAX),
            Err(FrameError::Closed)
        ));
        // A garbled length is refused, not allocated, under any limit.
        for limit in [1 << 20, 256 << 20, usize::MAX] {
            let mut wire = Vec::new();
            write_frame(&mut wire, &[WHOLE, 253, 0, 0, 0, 0, 0, 0, 0, 0x40, b'x']).unwrap();
            assert!(matches!(
                recv::<Vec<u8>>(&mut wire.as_slice(), limit),
                Err(FrameError::Malformed(_))
            ));
        }
        // A message cut short, and one with bytes after its end.
        let mut wire = Vec::new();
        send(&mut wire, &vec![3u8; CHUNK * 2]).unwrap();
        let cut = &wire[..wire.len() - 10];
        assert!(matches!(
            recv::<Vec<u8>>(&mut &cut[..], usize::MAX),
            Err(FrameError::Malformed(_) | FrameError::Io(_))
        ));
        let mut wire = Vec::new();
        send(&mut wire, &(7u8, 8u8)).unwrap();
        send(&mut wire, &"next").unwrap();
        let mut r = wire.as_slice();
        assert!(matches!(
            recv::<u8>(&mut r, usize::MAX),
            Err(FrameError::Malformed(_))
        ));
        assert_eq!(
            recv::<String>(&mut r, usize::MAX).unwrap(),
            "next",
            "in step after it"
        );
    }

    thread_local! {
        /// Bytes a `Counted` reader has handed out, and what `Seen` read
        /// of it when it was decoded.
        static READ: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
        static SEEN: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    struct Counted<'a>(&'a [u8]);

    impl Read for Counted<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.read(buf)?;
            READ.with(|r| r.set(r.get() + n));
            Ok(n)
        }
    }

    struct Seen;

    impl<'de> serde::Deserialize<'de> for Seen {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Seen, D::Error> {
            SEEN.with(|s| s.set(READ.with(std::cell::Cell::get)));
            <()>::deserialize(d).map(|()| Seen)
        }
    }

    /// The receiver decodes a large message as its frames come: the start
    /// of the message is decoded before its later frames are read.
    #[test]
    fn a_large_message_is_decoded_as_its_frames_arrive() {
        let big = vec![5u8; CHUNK * 3];
        let mut wire = Vec::new();
        send(&mut wire, &((), &big)).unwrap();
        READ.with(|r| r.set(0));
        let (Seen, back): (Seen, Vec<u8>) = recv(&mut Counted(&wire), usize::MAX).unwrap();
        assert_eq!(back, big);
        assert_eq!(READ.with(std::cell::Cell::get), wire.len());
        assert!(
            SEEN.with(std::cell::Cell::get) <= 4 + 1 + CHUNK,
            "only the first frame was read when the message's start was decoded"
        );
    }
}
