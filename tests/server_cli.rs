//! Team server through the real binary: auto-start, one server per database,
//! concurrent writers, crashes, stale sockets, bad frames, live notifications.

mod server_common;

use kam::server::client::{ClientHello, Connection};
use kam::server::frame;
use kam::server::protocol::{self, Hello, Reply, Request};
use kam::server::spawn::Endpoint;
use server_common::*;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn serving_lines(db: &Path) -> usize {
    std::fs::read_to_string(db.join("kam-server.log"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(": serving "))
        .count()
}

fn log_pids(db: &Path) -> Vec<i32> {
    std::fs::read_to_string(db.join("kam-server.log"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(": serving "))
        .filter_map(|l| {
            l.strip_prefix("kam server ")?
                .split(':')
                .next()?
                .parse()
                .ok()
        })
        .collect()
}

fn writers(t: &TestDb, clients: usize, writes: usize) {
    let db = t.db.clone();
    let dir = t.dir.path().to_path_buf();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let (db, dir) = (db.clone(), dir.clone());
            std::thread::spawn(move || {
                for w in 0..writes {
                    let f = note_csv(&dir, &format!("c{c}-w{w}"));
                    // A longer idle grace than the helpers' 1 s: on a loaded
                    // machine a gap between two clients can exceed it, and the
                    // point here is one server for everyone (TestDb stops it).
                    let out = kam(&db)
                        .env("KAM_SERVER_IDLE", "60")
                        .args(["import", "interactions", f.to_str().unwrap()])
                        .output()
                        .unwrap();
                    assert!(
                        out.status.success(),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let all = summaries(&t.db);
    for c in 0..clients {
        for w in 0..writes {
            let s = format!("c{c}-w{w}");
            assert_eq!(all.iter().filter(|x| **x == s).count(), 1, "{s} in {all:?}");
        }
    }
    assert_eq!(serving_lines(&t.db), 1, "one server served everyone");
}

#[test]
fn two_clients_writing_at_once() {
    let t = TestDb::with_accounts();
    writers(&t, 2, 5);
}

#[test]
fn ten_clients_writing_at_once() {
    let t = TestDb::with_accounts();
    writers(&t, 10, 3);
}

#[test]
fn five_simultaneous_first_starts_make_one_server() {
    let t = TestDb::new();
    // A database exists, no server runs.
    let csv = t.dir.path().join("a.csv");
    std::fs::write(&csv, "key,name\nACME,Acme\n").unwrap();
    let out = kam(&t.db)
        .args(["--no-server", "import", "accounts", csv.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        !t.db.join("kam.sock").exists(),
        "--no-server starts nothing"
    );
    let barrier = Arc::new(std::sync::Barrier::new(5));
    let handles: Vec<_> = (0..5)
        .map(|_| {
            let (db, barrier) = (t.db.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                ok(&db, &["segments", "--json"])
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap().contains("ACME"));
    }
    assert_eq!(serving_lines(&t.db), 1);
    let pids = log_pids(&t.db);
    assert_eq!(server_pid(&t.db), Some(pids[0]));
}

#[test]
fn a_stale_socket_is_replaced() {
    let t = TestDb::new();
    let csv = t.dir.path().join("a.csv");
    std::fs::write(&csv, "key,name\nACME,Acme\n").unwrap();
    kam(&t.db)
        .args(["--no-server", "import", "accounts", csv.to_str().unwrap()])
        .output()
        .unwrap();
    // A socket file nobody listens on (a server that died). A process that
    // another test forks at that moment holds a copy of the listener until
    // it execs, so the socket may answer for an instant after the drop.
    drop(UnixListener::bind(t.db.join("kam.sock")).unwrap());
    assert!(wait_until(Duration::from_secs(5), || UnixStream::connect(
        t.db.join("kam.sock")
    )
    .is_err()));
    assert!(ok(&t.db, &["segments"]).contains("ACME"));
    assert!(server_pid(&t.db).is_some());
}

#[test]
fn sigkill_mid_stream_loses_no_acknowledged_write_and_doubles_none() {
    let t = TestDb::with_accounts();
    let first = server_pid(&t.db).unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    let results = Arc::new(Mutex::new(Vec::new()));
    let writer = {
        let (db, dir, done, results) = (
            t.db.clone(),
            t.dir.path().to_path_buf(),
            done.clone(),
            results.clone(),
        );
        std::thread::spawn(move || {
            for w in 0..30 {
                let s = format!("w{w}");
                let f = note_csv(&dir, &s);
                let out = run(&db, &["import", "interactions", f.to_str().unwrap()]);
                results.lock().unwrap().push((s, out.status.success()));
                done.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    assert!(wait_until(Duration::from_secs(30), || done
        .load(Ordering::SeqCst)
        >= 8));
    // SAFETY: the test's own server, by pid.
    unsafe {
        libc::kill(first, libc::SIGKILL);
    }
    writer.join().unwrap();
    let second = server_pid(&t.db).unwrap();
    assert_ne!(first, second, "a new server was started");
    let all = summaries(&t.db);
    let results = results.lock().unwrap();
    let acked = results.iter().filter(|(_, ok)| *ok).count();
    assert!(
        acked >= 25,
        "most writes succeed across the crash: {results:?}"
    );
    for (s, acknowledged) in results.iter() {
        let n = all.iter().filter(|x| *x == s).count();
        if *acknowledged {
            assert_eq!(n, 1, "acknowledged {s} present exactly once");
        } else {
            assert!(n <= 1, "{s} applied at most once");
        }
    }
}

fn hello_payload(version: u32, subscribe: bool) -> Vec<u8> {
    let mut p = b"KAMP".to_vec();
    p.extend_from_slice(&version.to_be_bytes());
    p.extend(
        frame::encode(&Hello {
            as_of: kam::clock::parse_date(TODAY).unwrap(),
            pinned: true,
            client_id: 7,
            subscribe,
        })
        .unwrap(),
    );
    p
}

/// A raw connection that has completed the handshake.
fn greeted(db: &Path) -> UnixStream {
    let mut s = UnixStream::connect(db.join("kam.sock")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    frame::write_frame(&mut s, &hello_payload(protocol::PROTOCOL_VERSION, false)).unwrap();
    let answer = frame::read_frame(&mut s).unwrap();
    assert_eq!(&answer[..4], b"KAMP");
    s
}

/// True when the server closed the connection (EOF) within 5 s.
fn closed_by_server(s: &mut UnixStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 64];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // e.g. a welcome
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

fn endpoint(db: &Path) -> Endpoint {
    Endpoint {
        db: db.to_path_buf(),
        as_of_arg: Some(TODAY.into()),
        exe: PathBuf::from(EXE),
    }
}

fn subscriber(db: &Path) -> Connection {
    let hello = ClientHello {
        as_of: kam::clock::parse_date(TODAY).unwrap(),
        pinned: true,
        client_id: 99,
        subscribe: true,
    };
    Connection::open(&endpoint(db), &hello).unwrap()
}

/// Waits up to `limit` for a `Changed` notification.
fn next_change(c: &mut Connection, limit: Duration) -> Option<protocol::Change> {
    c.stream().unwrap().set_read_timeout(Some(limit)).unwrap();
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        match c.recv() {
            Ok(Reply::Changed(ch)) => return Some(ch),
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
    None
}

#[test]
fn malformed_and_oversized_frames_close_only_that_connection() {
    let t = TestDb::with_accounts();
    let pid = server_pid(&t.db).unwrap();
    let mut watcher = subscriber(&t.db);
    let before = summaries(&t.db);

    // Not a kam handshake at all (its "length" is huge).
    let mut a = UnixStream::connect(t.db.join("kam.sock")).unwrap();
    a.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    assert!(closed_by_server(&mut a));
    // Oversized frame after a good handshake.
    let mut b = greeted(&t.db);
    b.write_all(&(frame::MAX_FRAME as u32 + 1).to_be_bytes())
        .unwrap();
    assert!(closed_by_server(&mut b));
    // A frame that is not a request.
    let mut c = greeted(&t.db);
    frame::write_frame(&mut c, &[0, 0xff, 0xfe, 0xfd, 0x01]).unwrap();
    assert!(closed_by_server(&mut c));
    // A request cut short.
    let mut d = greeted(&t.db);
    d.write_all(&100u32.to_be_bytes()).unwrap();
    d.write_all(&[0, 1, 2]).unwrap();
    drop(d);

    assert_eq!(summaries(&t.db), before, "nothing applied");
    assert_eq!(server_pid(&t.db), Some(pid), "the server survived");
    // The other client is unaffected: it still gets notifications.
    ok(&t.db, &["pin", "ACME", "Key", "--reason", "board"]);
    let ch = next_change(&mut watcher, Duration::from_secs(2)).expect("notified");
    assert!(ch.summary.contains("ACME"), "{ch:?}");
}

#[test]
fn a_second_client_is_notified_within_a_second() {
    let t = TestDb::with_accounts();
    let mut watcher = subscriber(&t.db);
    let seq0 = watcher.info.seq;
    let start = std::time::Instant::now();
    ok(&t.db, &["pin", "GLOBEX", "Key", "--reason", "strategic"]);
    let ch = next_change(&mut watcher, Duration::from_secs(1)).expect("notified in time");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(ch.user, kam::identity::current_user());
    assert!(ch.summary.contains("pinned GLOBEX to Key"), "{ch:?}");
    assert!(ch.seq > seq0, "{} > {seq0}", ch.seq);
    // Reads do not notify.
    ok(&t.db, &["matrix"]);
    assert!(next_change(&mut watcher, Duration::from_millis(300)).is_none());
}

#[test]
fn version_mismatch_is_explained_on_both_sides() {
    // The server tells an incompatible client.
    let t = TestDb::with_accounts();
    let mut s = UnixStream::connect(t.db.join("kam.sock")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    frame::write_frame(&mut s, &hello_payload(999, false)).unwrap();
    let answer = frame::read_frame(&mut s).unwrap();
    let (v, rest) = protocol::split_header(&answer).unwrap();
    assert_eq!(v, protocol::PROTOCOL_VERSION);
    let text = String::from_utf8_lossy(&rest[4..]);
    assert!(text.contains("the client v999"), "{text}");

    // The client tells its user when the server is the incompatible one.
    let other = TestDb::new();
    let csv = other.dir.path().join("a.csv");
    std::fs::write(&csv, "key,name\nACME,Acme\n").unwrap();
    kam(&other.db)
        .args(["--no-server", "import", "accounts", csv.to_str().unwrap()])
        .output()
        .unwrap();
    let listener = UnixListener::bind(other.db.join("kam.sock")).unwrap();
    let fake = std::thread::spawn(move || {
        let (mut c, _) = listener.accept().unwrap();
        let _ = frame::read_frame(&mut c);
        let mut p = b"KAMP".to_vec();
        p.extend_from_slice(&999u32.to_be_bytes());
        p.extend_from_slice(&4242u32.to_be_bytes());
        p.extend_from_slice(b"I am from the future");
        frame::write_frame(&mut c, &p).unwrap();
    });
    let out = run(&other.db, &["matrix"]);
    fake.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("speaks protocol v999"), "{err}");
    assert!(err.contains("pid 4242"), "{err}");
}

#[test]
fn private_files_and_idle_exit() {
    let t = TestDb::with_accounts();
    let pid = log_pids(&t.db)[0];
    let mode = |p: &str| {
        std::fs::metadata(t.db.join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    };
    assert_eq!(mode("."), 0o700);
    for f in ["kam.sock", "kam.lock", "kam-server.log", "db", "conf"] {
        assert_eq!(mode(f) & 0o777, 0o600, "{f}");
    }
    // KAM_SERVER_IDLE=1: gone soon after the last client left.
    assert!(wait_until(Duration::from_secs(5), || !alive(pid)));
    assert!(!t.db.join("kam.sock").exists());
    let status = ok(&t.db, &["server", "status"]);
    assert!(status.contains("no kam server is running"), "{status}");
}

#[test]
fn the_server_leaves_when_its_directory_is_deleted() {
    let t = TestDb::new();
    let csv = t.dir.path().join("a.csv");
    std::fs::write(&csv, "key,name\nACME,Acme\n").unwrap();
    let out = kam(&t.db)
        .env("KAM_SERVER_IDLE", "600")
        .args(["import", "accounts", csv.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let pid = log_pids(&t.db)[0];
    assert!(alive(pid));
    // The log says how long it took to open and how long it will wait.
    let log = std::fs::read_to_string(t.db.join("kam-server.log")).unwrap();
    assert!(log.contains("s, leaves after 600 s idle)"), "{log}");
    std::fs::remove_dir_all(&t.db).unwrap();
    assert!(wait_until(Duration::from_secs(5), || !alive(pid)));
}

#[test]
fn server_status_and_stop() {
    let t = TestDb::with_accounts();
    let mut watcher = subscriber(&t.db);
    // The status command's own connection is not counted.
    let s = ok(&t.db, &["server", "status"]);
    assert!(s.contains("\n1 session connected\n"), "{s}");
    assert_eq!(s.lines().filter(|l| l.starts_with("  ")).count(), 1, "{s}");
    let _second = subscriber(&t.db);
    let s = ok(&t.db, &["server", "status"]);
    assert!(s.contains("\n2 sessions connected\n"), "{s}");
    let v: serde_json::Value =
        serde_json::from_str(&ok(&t.db, &["server", "status", "--json"])).unwrap();
    assert_eq!(v["clients"].as_array().unwrap().len(), 2, "{v}");
    let pid = v["pid"].as_i64().unwrap() as i32;
    assert_eq!(v["group_shared"], false);
    let out = ok(&t.db, &["server", "stop"]);
    assert!(out.contains("stopped"), "{out}");
    // "Stopped" means gone, with the files marked closed: an open right
    // after it trusts them (it used to race the closing server, find no
    // marker, and copy and check every file).
    assert!(!alive(pid));
    assert!(t.db.join("kam.closed").exists());
    // The connected client sees its connection end.
    watcher
        .stream()
        .unwrap()
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    loop {
        match watcher.recv() {
            Ok(_) => continue,
            Err(e) => {
                assert!(matches!(e, frame::FrameError::Closed), "{e}");
                break;
            }
        }
    }
    // The next command starts a new one.
    assert!(ok(&t.db, &["segments"]).contains("ACME"));
    let _ = Request::Status;
}

#[test]
fn another_date_while_others_are_connected_is_refused_clearly() {
    let t = TestDb::with_accounts();
    let _watcher = subscriber(&t.db);
    let out = run(&t.db, &["--as-of", "2027-01-01", "matrix"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("runs as of 2026-11-24"), "{err}");
    assert!(err.contains("--as-of 2026-11-24"), "{err}");
}

/// Requests that held the book past the threshold are named in the server
/// log (`KAM_SERVER_SLOW_MS=0` here: every one), both a CLI command and a
/// TUI's call.
#[test]
fn slow_requests_are_named_in_the_server_log() {
    use kam::backend::Backend;
    let t = TestDb::with_accounts();
    stop_server(&t.db);
    let out = kam(&t.db)
        .env("KAM_SERVER_SLOW_MS", "0")
        .env("KAM_SERVER_IDLE", "60")
        .args(["matrix"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let backend = connect(&t.db);
    backend.list(&Default::default()).unwrap();
    drop(backend);
    stop_server(&t.db);
    let log = std::fs::read_to_string(t.db.join("kam-server.log")).unwrap();
    assert!(log.contains("kam server: slow request: command ("), "{log}");
    assert!(
        log.contains("kam server: slow request: list took "),
        "{log}"
    );
}
