//! Times the TUI from outside, as a user sees it: the real binary in a real
//! pseudo-terminal, keys written to it, the screen's bytes read back.
//!
//! ```sh
//! cargo build --release --examples
//! target/release/examples/pty_bench --kam target/release/kam --db /tmp/big \
//!     [--size 200x50] [--moves 40] [--search "north tec"] [--runs 2] [--keep-server] \
//!     [--writes 5 --write-key ACME-001]
//! ```
//!
//! Each run: first frame (from spawning `kam` until the account list shows
//! "Accounts N/…"), then cursor moves (`j`), then a search typed one key at
//! a time. A key's latency is from writing it until the last byte of the
//! frame it caused (the frame is over once nothing arrives for `QUIET`).
//! Then `--writes` orders (0: none) are logged on `--write-key` by a
//! separate `kam order` process while the TUI shows the list: acknowledged
//! is until that process exits, redrawn until the last byte of the TUI's
//! frame showing the change. Writes need `--write-key` (an account key of
//! the book); without it they are skipped. They stay in the book. After
//! the writes, the same search is typed again: its first keys read rows
//! the writes changed.
//! The first run stops the team server first (cold: server start + load);
//! later runs find it running (warm). Each run ends with the TUI's peak
//! memory. Environment (e.g. `KAM_TODAY`) is passed through to kam.

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// A frame is over when the terminal has been silent this long.
const QUIET: Duration = Duration::from_millis(60);
/// Give up waiting for a frame after this.
const PATIENCE: Duration = Duration::from_secs(120);

struct Opts {
    kam: String,
    db: String,
    cols: u16,
    rows: u16,
    moves: usize,
    search: String,
    runs: usize,
    /// Do not stop the server before the first run.
    keep_server: bool,
    /// Orders to log per run (0: none).
    writes: usize,
    /// The account the orders go to; no writes without it.
    write_key: Option<String>,
}

fn parse_args() -> Result<Opts, String> {
    let mut o = Opts {
        kam: "target/release/kam".into(),
        db: String::new(),
        cols: 200,
        rows: 50,
        moves: 40,
        search: "north tec".into(),
        runs: 2,
        keep_server: false,
        writes: 5,
        write_key: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--kam" => o.kam = val()?,
            "--db" => o.db = val()?,
            "--moves" => o.moves = val()?.parse().map_err(|e| format!("--moves: {e}"))?,
            "--runs" => o.runs = val()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--search" => o.search = val()?,
            "--keep-server" => o.keep_server = true,
            "--writes" => o.writes = val()?.parse().map_err(|e| format!("--writes: {e}"))?,
            "--write-key" => o.write_key = Some(val()?),
            "--size" => {
                let v = val()?;
                let (c, r) = v.split_once('x').ok_or("--size is COLSxROWS")?;
                o.cols = c.parse().map_err(|e| format!("--size: {e}"))?;
                o.rows = r.parse().map_err(|e| format!("--size: {e}"))?;
            }
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    if o.db.is_empty() {
        return Err("--db DIR is required".into());
    }
    Ok(o)
}

/// kam in a new pseudo-terminal: the master side and the child.
struct Pty {
    master: std::fs::File,
    child: std::process::Child,
    rx: Receiver<(Instant, usize, Vec<u8>)>,
    /// Everything read so far, for markers.
    seen: Vec<u8>,
}

impl Pty {
    fn spawn(o: &Opts) -> std::io::Result<Pty> {
        let (mut m, mut s) = (0, 0);
        let ws = libc::winsize {
            ws_row: o.rows,
            ws_col: o.cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes two fds into the given ints; the other
        // pointers are null or point to a valid winsize.
        let rc =
            unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), &ws) };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // openpty leaves both without close-on-exec: kam (and every `kam
        // order`) would inherit the master, hold its own terminal open, and
        // outlive a bench that stopped on an error (no hang-up ever comes).
        for fd in [m, s] {
            // SAFETY: fcntl on a descriptor openpty just opened.
            unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
        }
        // SAFETY: both fds were just opened by openpty and are owned here.
        let (master, slave) = unsafe { (OwnedFd::from_raw_fd(m), OwnedFd::from_raw_fd(s)) };
        let mut cmd = Command::new(&o.kam);
        cmd.args(["--db", &o.db])
            .env("TERM", "xterm-256color")
            .stdin(Stdio::from(slave.try_clone()?))
            .stdout(Stdio::from(slave.try_clone()?))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn()?;
        let master = std::fs::File::from(master);
        let mut reader = master.try_clone()?;
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 16];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send((Instant::now(), n, buf[..n].to_vec())).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Ok(Pty {
            master,
            child,
            rx,
            seen: Vec::new(),
        })
    }

    /// Waits until the screen bytes contain `marker` (then until quiet);
    /// returns when the marker arrived.
    fn wait_for(&mut self, marker: impl Fn(&[u8]) -> bool) -> Result<Instant, String> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok((at, _, bytes)) => {
                    self.seen.extend_from_slice(&bytes);
                    if marker(&self.seen) {
                        self.settle();
                        return Ok(at);
                    }
                }
                Err(_) => return Err("the expected screen never came".into()),
            }
        }
    }

    /// Reads until the terminal is quiet: (time of the last byte, bytes).
    fn settle(&mut self) -> (Option<Instant>, usize) {
        let (mut last, mut total) = (None, 0);
        loop {
            match self.rx.recv_timeout(QUIET) {
                Ok((at, n, bytes)) => {
                    self.seen.extend_from_slice(&bytes);
                    last = Some(at);
                    total += n;
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    return (last, total);
                }
            }
        }
    }

    /// Writes `key` and times the frame it causes: (latency, bytes).
    fn key(&mut self, key: &[u8]) -> Result<(Duration, usize), String> {
        self.settle();
        let sent = Instant::now();
        self.master.write_all(key).map_err(|e| e.to_string())?;
        // The first byte may take longer than QUIET (a slow answer).
        let first = self
            .rx
            .recv_timeout(PATIENCE)
            .map_err(|_| "no frame after a key".to_string())?;
        self.seen.extend_from_slice(&first.2);
        let (last, bytes) = self.settle();
        Ok((last.unwrap_or(first.0) - sent, bytes + first.1))
    }

    /// Takes one chunk: into `seen`, and counted if it came after `since`
    /// (an older one belongs to the frame before).
    fn take(
        &mut self,
        (at, n, bytes): (Instant, usize, Vec<u8>),
        since: Instant,
        last: &mut Option<Instant>,
        total: &mut usize,
    ) {
        self.seen.extend_from_slice(&bytes);
        if at >= since {
            *last = Some(at);
            *total += n;
        }
    }

    fn quit(mut self) {
        let _ = self.master.write_all(b"q");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Cold: no server yet. Stops one that runs and waits until its process
/// is gone (it saves its snapshot first, seconds on a large book), so the
/// timing starts from nothing running.
fn stop_server(o: &Opts) {
    let status = Command::new(&o.kam)
        .args(["--db", &o.db, "server", "status", "--json"])
        .stderr(Stdio::null())
        .output();
    let pid = status.ok().and_then(|out| {
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let at = text.find("\"pid\":")? + 6;
        let digits: String = text[at..]
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse::<u32>().ok()
    });
    let _ = Command::new(&o.kam)
        .args(["--db", &o.db, "server", "stop"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if let Some(pid) = pid {
        let deadline = Instant::now() + PATIENCE;
        while std::path::Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// "Accounts " then a digit: the list has its rows.
fn list_shown(seen: &[u8]) -> bool {
    let needle = b"Accounts ";
    seen.windows(needle.len() + 1)
        .any(|w| w.starts_with(needle) && w[needle.len()].is_ascii_digit())
}

/// The process's peak resident memory, from /proc.
fn peak_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Logs an order on `key` from a separate `kam order` process, as a user
/// in another terminal would, and times it: (until that process exits,
/// (until the open TUI's redraw is over, its bytes)). Waits `phase` after
/// the terminal is quiet before starting it.
fn write(
    pty: &mut Pty,
    o: &Opts,
    key: &str,
    amount: &str,
    phase: Duration,
) -> Result<(Duration, (Duration, usize)), String> {
    pty.settle();
    std::thread::sleep(phase);
    let sent = Instant::now();
    let mut child = Command::new(&o.kam)
        .args(["--db", &o.db, "order", key, amount, "-m", "pty_bench"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        // Piped, not null: its error (a few lines) is the failure's message.
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {} order: {e}", o.kam))?;
    // The TUI can show the change as soon as the server has committed it,
    // before the command has exited: read the terminal while waiting.
    let (mut last, mut total) = (None, 0);
    let deadline = sent + PATIENCE;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("kam order {key} {amount} did not finish"));
            }
            Ok(None) => {}
            Err(e) => return Err(format!("kam order {key} {amount}: {e}")),
        }
        if let Ok(chunk) = pty.rx.recv_timeout(Duration::from_millis(1)) {
            pty.take(chunk, sent, &mut last, &mut total);
        }
    };
    let acked = Instant::now();
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        return Err(format!(
            "kam order {key} {amount} failed ({status}): {}",
            err.trim()
        ));
    }
    // Nothing yet: the first byte may take longer than QUIET.
    while last.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = pty
            .rx
            .recv_timeout(left)
            .map_err(|_| "no redraw after a write".to_string())?;
        pty.take(chunk, sent, &mut last, &mut total);
    }
    let (settled, more) = pty.settle();
    let drawn = settled.or(last).unwrap_or(acked);
    Ok((acked - sent, (drawn - sent, total + more)))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(label: &str, xs: &mut [(Duration, usize)]) {
    if xs.is_empty() {
        return;
    }
    xs.sort_by_key(|x| x.0);
    let at = |q: f64| xs[((xs.len() - 1) as f64 * q).round() as usize].0;
    let bytes: usize = xs.iter().map(|x| x.1).sum::<usize>() / xs.len();
    // No bytes at all: not a frame (e.g. a process's exit), column empty.
    let bytes = if bytes == 0 {
        String::new()
    } else {
        format!("{bytes} B")
    };
    println!(
        "| {label} | {:.1} ms | {:.1} ms | {:.1} ms | {bytes} |",
        ms(at(0.5)),
        ms(at(0.9)),
        ms(xs[xs.len() - 1].0)
    );
}

fn run(o: &Opts, n: usize) -> Result<(), String> {
    if n == 0 && !o.keep_server {
        stop_server(o);
    }
    let start = Instant::now();
    let mut pty = Pty::spawn(o).map_err(|e| format!("cannot start {}: {e}", o.kam))?;
    let shown = pty.wait_for(list_shown)?;
    let kind = if n == 0 && !o.keep_server {
        "cold"
    } else {
        "warm"
    };
    println!("\nrun {} ({kind}), {}×{}", n + 1, o.cols, o.rows);
    println!("| what | median | p90 | max | bytes per frame |");
    println!("|---|---|---|---|---|");
    println!("| first frame | {:.0} ms | | | |", ms(shown - start));
    let mut moves = Vec::new();
    for i in 0..o.moves {
        // Down, and back up every tenth move so the window scrolls too.
        let k: &[u8] = if i % 10 == 9 { b"k" } else { b"j" };
        moves.push(pty.key(k)?);
    }
    summary("cursor move (j/k)", &mut moves);
    pty.key(b"/")?;
    let mut typed = Vec::new();
    // A key is a character: its UTF-8 bytes in one write ("ü", "华").
    for c in o.search.chars() {
        typed.push(pty.key(c.encode_utf8(&mut [0; 4]).as_bytes())?);
    }
    // Which keys are slow: the first ones score the most rows.
    let each: Vec<String> = typed.iter().map(|d| format!("{:.1}", ms(d.0))).collect();
    summary(&format!("search keystroke ({:?})", o.search), &mut typed);
    println!("| the same, key by key (ms) | {} | | | |", each.join(" "));
    pty.key(b"\x1b")?;
    if let Some(key) = o.write_key.as_deref() {
        let (mut acked, mut drawn) = (Vec::new(), Vec::new());
        for i in 0..o.writes {
            // A different amount each time, so every write changes the row.
            let amount = format!("{}.00", 1000 + i);
            // A TUI that looks for changes on a timer would otherwise be
            // met at the same point of its period each time (a fixed time
            // after its last frame): spread the starts over 0–250 ms.
            let phase = Duration::from_millis(i as u64 * 53 % 250);
            let (ack, frame) = write(&mut pty, o, key, &amount, phase)?;
            acked.push((ack, 0));
            drawn.push(frame);
        }
        // Which writes are slow: the first after a start, or those that
        // meet the server's upkeep.
        let each: Vec<String> = drawn.iter().map(|d| format!("{:.1}", ms(d.0))).collect();
        summary("write acknowledged (kam order, whole process)", &mut acked);
        summary("write → TUI redrawn", &mut drawn);
        if !each.is_empty() {
            println!(
                "| the same, write by write (ms) | {} | | | |",
                each.join(" ")
            );
            // The same search again: the first keys after a write read
            // rows the writes changed.
            pty.key(b"/")?;
            let mut typed = Vec::new();
            for c in o.search.chars() {
                typed.push(pty.key(c.encode_utf8(&mut [0; 4]).as_bytes())?);
            }
            let each: Vec<String> = typed.iter().map(|d| format!("{:.1}", ms(d.0))).collect();
            summary("search keystroke, after the writes", &mut typed);
            println!("| the same, key by key (ms) | {} | | | |", each.join(" "));
            pty.key(b"\x1b")?;
        }
    }
    if let Some(kb) = peak_kb(pty.child.id()) {
        println!(
            "| TUI client memory (VmHWM) | {:.1} MB | | | |",
            kb as f64 / 1024.0
        );
    }
    pty.quit();
    Ok(())
}

fn main() {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("pty_bench: {e}");
            std::process::exit(2);
        }
    };
    if o.writes > 0 && o.write_key.is_none() {
        println!("writes skipped: no --write-key given");
    }
    for n in 0..o.runs {
        if let Err(e) = run(&o, n) {
            eprintln!("pty_bench: {e}");
            std::process::exit(1);
        }
    }
}
