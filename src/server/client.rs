//! The client side of a connection: handshake, requests, and running a CLI
//! command on the server with this process's files and standard output.

use super::frame::{self, FrameError};
use super::protocol::{self, Hello, PROTOCOL_VERSION, Reply, Request, ServerInfo, Welcome};
use super::spawn::{self, Endpoint};
use crate::commands as exec;
use crate::commands::output::ProgressView;
use crate::commands::{CmdResult, Command, CommandError, ErrorKind, Output, Progress};
use crate::transfer::export;
use chrono::NaiveDate;
use std::ffi::OsStr;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufReader, BufWriter, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// A random id for this client process (std's hasher keys are random).
pub fn new_client_id() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}

/// An open, greeted connection to the server.
pub struct Connection {
    stream: UnixStream,
    reader: BufReader<UnixStream>,
    writer: BufWriter<UnixStream>,
    pub info: ServerInfo,
}

/// How a client presents itself: its date and whether it wants pushes.
#[derive(Debug, Clone)]
pub struct ClientHello {
    pub as_of: NaiveDate,
    pub pinned: bool,
    pub client_id: u64,
    pub subscribe: bool,
}

impl ClientHello {
    fn hello(&self) -> Hello {
        Hello {
            as_of: self.as_of,
            pinned: self.pinned,
            client_id: self.client_id,
            subscribe: self.subscribe,
        }
    }
}

/// What a handshake attempt came to.
enum Greeting {
    Ok(Connection),
    /// The server closed the connection (it is stopping): try again.
    Closed,
}

impl Connection {
    /// Connects (starting the server if needed) and greets. A server that
    /// closes on us while stopping is retried until `START_TIMEOUT`.
    pub fn open(ep: &Endpoint, hello: &ClientHello) -> Result<Connection, CommandError> {
        let deadline = Instant::now() + spawn::START_TIMEOUT;
        loop {
            let stream = spawn::connect_or_start(ep)?;
            match greet(stream, hello)? {
                Greeting::Ok(c) => return Ok(c),
                Greeting::Closed if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Greeting::Closed => {
                    return Err(CommandError::new(
                        ErrorKind::Failed,
                        format!("the kam server for {} keeps closing", ep.db.display()),
                    ));
                }
            }
        }
    }

    /// Connects to a running server only; `Ok(None)` when none runs.
    pub fn open_running(
        db: &Path,
        hello: &ClientHello,
    ) -> Result<Option<Connection>, CommandError> {
        for _ in 0..20 {
            let Some(stream) = spawn::connect_running(db)? else {
                return Ok(None);
            };
            match greet(stream, hello)? {
                Greeting::Ok(c) => return Ok(Some(c)),
                Greeting::Closed => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        Ok(None)
    }

    pub fn send(&mut self, req: &Request) -> std::io::Result<()> {
        frame::send(&mut self.writer, req)
    }

    pub fn recv(&mut self) -> Result<Reply, FrameError> {
        frame::recv(&mut self.reader, protocol::SERVER_MESSAGE_LIMIT)
    }

    /// A second handle on the socket (e.g. to shut it down from elsewhere).
    pub fn stream(&self) -> std::io::Result<UnixStream> {
        self.stream.try_clone()
    }

    /// Splits into a reading half and a writing half (a reader thread
    /// receives pushes while requests are sent).
    pub fn split(self) -> (BufReader<UnixStream>, BufWriter<UnixStream>, ServerInfo) {
        (self.reader, self.writer, self.info)
    }
}

fn greet(stream: UnixStream, hello: &ClientHello) -> Result<Greeting, CommandError> {
    let io = |e: std::io::Error| CommandError::new(ErrorKind::Failed, format!("kam server: {e}"));
    let mut writer = BufWriter::new(stream.try_clone().map_err(io)?);
    let mut reader = BufReader::new(stream.try_clone().map_err(io)?);
    let mut payload = protocol::header().to_vec();
    payload.extend(frame::encode(&hello.hello()).map_err(io)?);
    if frame::write_frame(&mut writer, &payload)
        .and_then(|()| writer.flush())
        .is_err()
    {
        return Ok(Greeting::Closed);
    }
    let answer = match frame::read_frame(&mut reader) {
        Ok(a) => a,
        Err(FrameError::Closed) | Err(FrameError::Io(_)) => return Ok(Greeting::Closed),
        Err(e) => {
            return Err(CommandError::new(
                ErrorKind::Failed,
                format!("kam server: {e}"),
            ));
        }
    };
    let not_kam = || {
        CommandError::new(
            ErrorKind::Failed,
            "the socket in the database directory is not a kam server",
        )
    };
    let (version, rest) = protocol::split_header(&answer).ok_or_else(not_kam)?;
    if version != PROTOCOL_VERSION {
        let pid = rest
            .get(..4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .unwrap_or(0);
        let said = String::from_utf8_lossy(rest.get(4..).unwrap_or_default());
        return Err(CommandError::new(
            ErrorKind::Failed,
            format!(
                "the running kam server (pid {pid}) speaks protocol v{version}, this kam \
                 speaks v{PROTOCOL_VERSION}: use the same kam version, or stop that server \
                 (`kill {pid}`) and run this command again. The server said: {said}"
            ),
        ));
    }
    match frame::decode::<Welcome>(rest) {
        Ok(Welcome::Ok(info)) => Ok(Greeting::Ok(Connection {
            stream,
            reader,
            writer,
            info,
        })),
        Ok(Welcome::Refused(e)) => Err(e),
        Err(e) => Err(CommandError::new(
            ErrorKind::Failed,
            format!("kam server: {e}"),
        )),
    }
}

/// What a client does with the server's remarks while a command runs.
pub trait ClientEvents {
    fn progress(&mut self, step: &Progress);
    fn warning(&mut self, message: &str);
}

/// Progress as a bar on this process's stderr (a terminal, not `--quiet`),
/// warnings as `kam: …` lines on stderr.
pub struct TerminalView {
    view: ProgressView,
}

impl TerminalView {
    pub fn new(quiet: bool) -> TerminalView {
        TerminalView {
            view: ProgressView::stderr(quiet),
        }
    }
}

impl ClientEvents for TerminalView {
    fn progress(&mut self, step: &Progress) {
        self.view.show(step);
        if step.done >= step.total {
            self.view.finish();
        }
    }

    fn warning(&mut self, message: &str) {
        self.view.finish();
        eprintln!("kam: {message}");
    }
}

/// Runs a book command on the server: input files are read here and sent
/// along, output is written here, exit code and message come back.
pub fn run_command(
    ep: &Endpoint,
    hello: &ClientHello,
    cmd: &Command,
    out: &mut dyn Write,
) -> CmdResult {
    let mut view = TerminalView::new(false);
    run_command_with(ep, hello, cmd, Output::default(), out, &mut view)
}

/// `run_command` with the client's output options; progress and warnings
/// go to `events`.
pub fn run_command_with(
    ep: &Endpoint,
    hello: &ClientHello,
    cmd: &Command,
    output: Output,
    out: &mut dyn Write,
    events: &mut dyn ClientEvents,
) -> CmdResult {
    let files = exec::input_files(cmd)
        .into_iter()
        .map(|p| {
            let bytes = super::content::Content::of_input(&p).map_err(|e| e.to_string());
            (p.as_os_str().as_bytes().to_vec(), bytes)
        })
        .collect();
    // Writes carry a request id (any nonzero number: the client id is
    // fresh per process) so that a resend after a lost connection is applied
    // once; the server answers a resend with the first outcome.
    let writes = exec::is_write(cmd);
    let req = Request::Command {
        command: cmd.clone(),
        files,
        request: if writes { 1 } else { 0 },
        output,
    };
    // Output already written by an attempt whose connection broke: a resend
    // produces the same output, which is not written twice.
    let mut written = 0usize;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let lost = || {
            CommandError::new(
                ErrorKind::Failed,
                "the connection to the kam server was lost; the command may not have \
                 been applied (check before running it again)",
            )
        };
        let mut conn = Connection::open(ep, hello)?;
        match conn.send(&req) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                let names: Vec<String> = exec::input_files(cmd)
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect();
                return Err(CommandError::new(
                    ErrorKind::Failed,
                    format!("{}: {e}", names.join(", ")),
                ));
            }
            Err(_) if attempts < RESENDS => continue,
            Err(_) => return Err(lost()),
        }
        let mut seen = 0usize;
        loop {
            match conn.recv() {
                Ok(Reply::Output(bytes)) => {
                    let skip = written.saturating_sub(seen).min(bytes.len());
                    seen += bytes.len();
                    if let Err(e) = out.write_all(&bytes[skip..]) {
                        if e.kind() == std::io::ErrorKind::BrokenPipe {
                            return Err(CommandError::quiet());
                        }
                        return Err(e.into());
                    }
                    written = written.max(seen);
                }
                Ok(Reply::WriteFile { path, bytes }) => {
                    let path = Path::new(OsStr::from_bytes(&path));
                    export::write_atomically(path, &mut |w| w.write_all(&bytes)).map_err(|e| {
                        CommandError::new(ErrorKind::Failed, format!("{}: {e}", path.display()))
                    })?;
                }
                Ok(Reply::Progress { done, total, what }) => {
                    events.progress(&Progress { done, total, what });
                }
                Ok(Reply::Warning(message)) => events.warning(&message),
                Ok(Reply::Done(result)) => {
                    out.flush()?;
                    return result;
                }
                Ok(_) => {} // notifications are for the TUI
                // Reads are repeatable and writes carry their request id:
                // reconnect (starting a server if it died) and resend.
                Err(_) if attempts < RESENDS => break,
                Err(_) => return Err(lost()),
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How many times a command is sent before the client gives up.
const RESENDS: u32 = 5;
