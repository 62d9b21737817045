//! `RemoteBackend` against a real server (the `kam` binary, auto-started):
//! its reads equal the embedded book's, a write through one client is
//! pushed to another, a write resent after a lost connection is applied
//! once, presence is shared, and a client that reconnects catches up.

mod server_common;

use kam::backend::{Backend, Notice, Peer};
use kam::book::query::{AgendaUpdate, ListQuery, Touched};
use kam::book::{Book, WriteOp};
use kam::clock::Clock;
use kam::domain::{AccountId, Interaction, InteractionKind};
use kam::server::client::{ClientHello, Connection, new_client_id};
use kam::server::protocol::{Call, Reply, Request};
use kam::server::remote::RemoteBackend;
use kam::server::spawn::Endpoint;
use kam::store::Store;
use server_common::*;
use std::path::Path;
use std::time::{Duration, Instant};

fn today() -> chrono::NaiveDate {
    kam::clock::parse_date(TODAY).unwrap()
}

fn endpoint(db: &Path) -> Endpoint {
    Endpoint {
        db: db.to_path_buf(),
        as_of_arg: Some(TODAY.into()),
        exe: EXE.into(),
    }
}

fn hello(client_id: u64) -> ClientHello {
    ClientHello {
        as_of: today(),
        pinned: true,
        client_id,
        subscribe: true,
    }
}

fn remote(db: &Path) -> RemoteBackend {
    RemoteBackend::connect(endpoint(db), hello(new_client_id())).unwrap()
}

fn id_of(b: &dyn Backend, key: &str) -> AccountId {
    b.list(&ListQuery::default())
        .unwrap()
        .rows
        .iter()
        .find(|a| &*a.text.key == key)
        .unwrap()
        .id
}

fn note(account: AccountId, summary: &str) -> Interaction {
    let mut i = Interaction::new(account, InteractionKind::Note, today());
    i.summary = summary.into();
    i
}

/// Polls `b` until `pred` holds for what it reported; returns all of it.
fn notices_until(b: &mut dyn Backend, pred: impl Fn(&[Notice]) -> bool) -> Vec<Notice> {
    let start = Instant::now();
    let mut seen = Vec::new();
    while start.elapsed() < Duration::from_secs(5) {
        seen.extend(b.poll_changes());
        if pred(&seen) {
            return seen;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("not reported within 5 s; got {seen:?}");
}

fn count(b: &dyn Backend, account: AccountId, summary: &str) -> usize {
    b.interactions_of(account)
        .unwrap()
        .iter()
        .filter(|i| i.summary == summary)
        .count()
}

#[test]
fn reads_through_the_server_equal_the_embedded_book() {
    let t = TestDb::new();
    ok(&t.db, &["demo", "--accounts", "25", "--seed", "7"]);
    ok(&t.db, &["review"]);
    let r = remote(&t.db);
    let all = ListQuery::default();
    let page = ListQuery {
        filter: "tier:key".into(),
        sort: kam::book::query::SortKey::Revenue,
        reverse: true,
        offset: 1,
        limit: Some(3),
        around: None,
    };
    let key = r.list(&all).unwrap().rows[3].text.key.to_string();
    let id = id_of(&r, &key);
    // The window placed around an account holds it, wherever it sorts.
    let around = ListQuery {
        limit: Some(2),
        around: Some(id),
        ..ListQuery::default()
    };
    assert!(r.list(&around).unwrap().rows.iter().any(|a| a.id == id));
    let remote_view = (
        r.list(&around).unwrap(),
        r.list(&all).unwrap(),
        r.list(&page).unwrap(),
        r.matrix().unwrap(),
        r.detail(id).unwrap(),
        r.timeline(id, 1, 2).unwrap(),
        r.search("a", 5).unwrap(),
        r.agenda(None).unwrap(),
    );
    let remote_more = (
        r.rows(&[id]).unwrap(),
        r.account(id).unwrap(),
        r.score(id).unwrap(),
        r.contacts_of(id).unwrap(),
        r.interactions_of(id).unwrap(),
        r.followups_of(id).unwrap(),
        r.history(id).unwrap(),
        r.last_seq().unwrap(),
        r.model().to_toml(),
    );
    assert_eq!(r.today(), today());
    assert!(!remote_view.1.rows.is_empty() && remote_view.4.is_some());
    assert_eq!(remote_view.1.total, 25);
    assert!(remote_view.2.rows.len() <= 3 && remote_view.2.offset == 1);
    // A filter the model does not know is refused with the parser's words.
    match r.list(&ListQuery {
        filter: "tier:gold".into(),
        ..ListQuery::default()
    }) {
        Err(kam::backend::BackendError::Refused(m)) => assert!(m.contains("no tier 'gold'"), "{m}"),
        other => panic!("{other:?}"),
    }
    drop(r);
    ok(&t.db, &["server", "stop"]);
    let store = wait_open(&t.db);
    let b = Book::open(store, Clock::fixed(today()), "someone").unwrap();
    let local_view = (
        Backend::list(&b, &around).unwrap(),
        Backend::list(&b, &all).unwrap(),
        Backend::list(&b, &page).unwrap(),
        Backend::matrix(&b).unwrap(),
        Backend::detail(&b, id).unwrap(),
        Backend::timeline(&b, id, 1, 2).unwrap(),
        Backend::search(&b, "a", 5).unwrap(),
        Backend::agenda(&b, None).unwrap(),
    );
    let local_more = (
        Backend::rows(&b, &[id]).unwrap(),
        Backend::account(&b, id).unwrap(),
        Backend::score(&b, id).unwrap(),
        Backend::contacts_of(&b, id).unwrap(),
        Backend::interactions_of(&b, id).unwrap(),
        Backend::followups_of(&b, id).unwrap(),
        Backend::history(&b, id).unwrap(),
        Backend::last_seq(&b).unwrap(),
        Backend::model(&b).to_toml(),
    );
    assert_eq!(remote_view, local_view);
    assert_eq!(remote_more, local_more);
}

fn wait_open(db: &Path) -> Store {
    let start = Instant::now();
    loop {
        match Store::open(db) {
            Ok(s) => return s,
            Err(e) if start.elapsed() > Duration::from_secs(5) => panic!("{e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

#[test]
fn a_write_by_one_client_is_pushed_to_the_other() {
    let t = TestDb::with_accounts();
    let mut a = remote(&t.db);
    let mut b = remote(&t.db);
    let acme = id_of(&a, "ACME");
    assert_eq!(count(&b, acme, "called the CFO"), 0);
    a.add_interaction(note(acme, "called the CFO")).unwrap();
    // The server announces a change after its command has answered, so the
    // setup's import may still reach a client that connected just after it:
    // each look is for its own change.
    let noted = |n: &Notice| matches!(n, Notice::Changed { summary, .. } if summary == "logged note on ACME");
    let got = notices_until(&mut b, |n| n.iter().any(noted));
    let (user, touched) = got
        .iter()
        .find_map(|n| match n {
            Notice::Changed { user, touched, .. } if noted(n) => {
                Some((user.clone(), touched.clone()))
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(user, a.user());
    // The notice names the rows to refetch; those rows are the news.
    let Touched::Accounts(ids) = touched else {
        panic!("{touched:?}")
    };
    assert!(ids.contains(&acme), "{ids:?}");
    let delta = b.delta(Touched::Accounts(ids.clone()), None).unwrap();
    assert!(delta.rows.iter().any(|r| &*r.text.key == "ACME"));
    assert_eq!(delta.accounts, 3);
    assert!(matches!(delta.agenda, AgendaUpdate::Full(_)));
    // Asked again with the version it gave: the agenda is not sent twice.
    let again = b
        .delta(Touched::Accounts(ids), Some(delta.agenda_version))
        .unwrap();
    assert_eq!(again.agenda, AgendaUpdate::Same);
    assert_eq!(again.agenda_version, delta.agenda_version);
    assert_eq!(count(&b, acme, "called the CFO"), 1);
    // The writer is not told about its own change.
    std::thread::sleep(Duration::from_millis(200));
    assert!(!a.poll_changes().iter().any(noted));
    // A CLI write reaches the TUI clients too.
    ok(
        &t.db,
        &["pin", "GLOBEX", "Key", "--reason", "board decision"],
    );
    let got = notices_until(&mut a, |n| {
        n.iter().any(
            |n| matches!(n, Notice::Changed { summary, .. } if summary == "pinned GLOBEX to Key"),
        )
    });
    assert!(!got.is_empty());
}

/// A waiting TUI sleeps until its backend wakes it: the wake comes with the
/// other client's write, and the notice is there when it does.
#[test]
fn news_wakes_the_waiting_client() {
    let t = TestDb::with_accounts();
    let mut a = remote(&t.db);
    let mut b = remote(&t.db);
    let (tx, rx) = std::sync::mpsc::channel();
    b.on_change(std::sync::Arc::new(move || {
        let _ = tx.send(());
    }));
    let acme = id_of(&a, "ACME");
    assert_eq!(count(&b, acme, "woken"), 0);
    while rx.try_recv().is_ok() {}
    b.poll_changes();
    a.add_interaction(note(acme, "woken")).unwrap();
    let mut seen = Vec::new();
    let start = Instant::now();
    while !seen.iter().any(|n| matches!(n, Notice::Changed { .. })) {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "no wake with the change; got {seen:?}"
        );
        rx.recv_timeout(Duration::from_secs(5))
            .expect("the change did not wake the client");
        seen.extend(b.poll_changes());
    }
    assert_eq!(count(&b, acme, "woken"), 1);
}

#[test]
fn a_write_resent_after_a_lost_answer_is_applied_once() {
    let t = TestDb::with_accounts();
    let mut a = remote(&t.db);
    let acme = id_of(&a, "ACME");
    let seq_before = a.last_seq().unwrap();
    // The server commits, its answer is lost with the connection; the
    // client reconnects and resends the same request.
    a.drop_next_answer();
    let out = a
        .execute(WriteOp::AddInteraction {
            interaction: note(acme, "sent the offer"),
        })
        .unwrap();
    assert!(out.outcome.seq.unwrap() > seq_before);
    assert_eq!(count(&a, acme, "sent the offer"), 1);
    let notices = a.poll_changes();
    assert!(notices.contains(&Notice::Reconnected), "{notices:?}");

    // The same request number from the same client, on a new connection,
    // gets the first outcome and writes nothing; a new number writes again.
    let id = new_client_id();
    let call = Call::Execute(WriteOp::AddInteraction {
        interaction: note(acme, "visited"),
    });
    let first = raw_call(&t.db, id, 7, call.clone());
    let again = raw_call(&t.db, id, 7, call.clone());
    assert_eq!(first, again);
    assert_eq!(count(&a, acme, "visited"), 1);
    let other = raw_call(&t.db, id, 8, call);
    assert_ne!(first, other);
    assert_eq!(count(&a, acme, "visited"), 2);
}

/// One `Request::Call` on its own connection; the answer's bytes.
fn raw_call(db: &Path, client_id: u64, request: u64, call: Call) -> Vec<u8> {
    let mut h = hello(client_id);
    h.subscribe = false;
    let mut c = Connection::open(&endpoint(db), &h).unwrap();
    c.send(&Request::Call { request, call }).unwrap();
    loop {
        if let Reply::Answer { request: r, result } = c.recv().unwrap() {
            assert_eq!(r, request);
            return result.unwrap();
        }
    }
}

#[test]
fn a_cli_write_resent_with_its_request_id_is_applied_once() {
    let t = TestDb::with_accounts();
    let id = new_client_id();
    let pin = |request, tier: &str| {
        let mut h = hello(id);
        h.subscribe = false;
        let mut c = Connection::open(&endpoint(&t.db), &h).unwrap();
        let command = kam::commands::Command::Pin {
            key: "ACME".into(),
            tier: tier.into(),
            reason: "strategic".into(),
        };
        c.send(&Request::Command {
            command,
            files: Vec::new(),
            request,
            output: kam::commands::Output::default(),
        })
        .unwrap();
        let mut out = Vec::new();
        loop {
            match c.recv().unwrap() {
                Reply::Output(b) => out.extend(b),
                Reply::Done(result) => {
                    assert_eq!(result, Ok(()));
                    return String::from_utf8(out).unwrap();
                }
                _ => {}
            }
        }
    };
    let pins = || {
        ok(&t.db, &["log", "ACME", "--json"])
            .matches("\"action\": \"pin\"")
            .count()
    };
    let first = pin(3, "Key");
    assert_eq!(first, "ACME: pinned to Key\n");
    assert_eq!(pins(), 1);
    assert_eq!(pin(3, "Key"), first);
    assert_eq!(pins(), 1, "a resend is applied once");
    // The same pin again as a new request changes nothing: not a write.
    assert_eq!(pin(4, "Key"), "ACME: pinned to Key already\n");
    assert_eq!(pins(), 1);
    pin(5, "Development");
    assert_eq!(pins(), 2, "another request is a new write");
}

#[test]
fn presence_is_shared_between_clients() {
    let t = TestDb::with_accounts();
    let mut a = remote(&t.db);
    let mut b = remote(&t.db);
    let acme = id_of(&a, "ACME");
    a.set_editing(Some(acme));
    wait_peers(&mut b, |p| {
        p.iter().any(|p| !p.me && p.editing == Some(acme))
    });
    // A presence list sent before the server had the edit may come first.
    let peers = wait_peers(&mut a, |p| {
        p.len() == 2 && p.iter().any(|p| p.me && p.editing.is_some())
    });
    assert_eq!(peers.iter().filter(|p| p.me).count(), 1, "{peers:?}");
    assert_eq!(peers.iter().find(|p| p.me).unwrap().editing, Some(acme));
    a.set_editing(None);
    wait_peers(&mut b, |p| {
        p.len() == 2 && p.iter().all(|p| p.editing.is_none())
    });
    drop(a);
    let peers = wait_peers(&mut b, |p| p.len() == 1);
    assert!(peers[0].me);
}

/// Polls `b` until its peer list satisfies `pred`; returns the list.
fn wait_peers(b: &mut RemoteBackend, pred: impl Fn(&[Peer]) -> bool) -> Vec<Peer> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        b.poll_changes();
        let peers = b.peers();
        if pred(&peers) {
            return peers;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("peers never matched: {:?}", b.peers());
}

#[test]
fn a_client_reconnects_to_a_new_server_and_catches_up() {
    let t = TestDb::with_accounts();
    let mut a = remote(&t.db);
    let old_pid = a.server().pid;
    ok(&t.db, &["server", "stop"]);
    assert!(wait_until(Duration::from_secs(5), || !alive(
        old_pid as i32
    )));
    // Made while `a` was cut off (this command starts a new server).
    ok(&t.db, &["pin", "INITECH", "Key", "--reason", "while away"]);
    let got = notices_until(&mut a, |n| {
        n.contains(&Notice::Reconnected)
            && n.iter()
                .any(|n| matches!(n, Notice::Changed { summary, .. } if summary.starts_with("pin")))
    });
    assert!(got.iter().any(|n| matches!(n, Notice::Lost(_))), "{got:?}");
    let initech = id_of(&a, "INITECH");
    assert_eq!(a.score(initech).unwrap().unwrap().tier, "Key");
    assert_ne!(server_pid(&t.db).unwrap(), old_pid as i32);
}

#[test]
fn kam_no_server_1_opens_the_database_in_process() {
    let t = TestDb::with_accounts();
    ok(&t.db, &["server", "stop"]);
    assert!(wait_until(Duration::from_secs(5), || {
        !t.db.join("kam.sock").exists()
    }));
    for v in ["1", "yes", "true"] {
        let out = kam(&t.db)
            .env("KAM_NO_SERVER", v)
            .args(["segments"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{v}: {out:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("ACME"));
        assert!(!t.db.join("kam.sock").exists(), "{v} started a server");
    }
}
