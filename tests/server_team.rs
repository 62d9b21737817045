//! A shared team directory (setgid, group rwx): group-shared files, a second
//! OS user whose change is attributed to them by peer credentials, and a
//! user outside the group who can neither connect nor read. Needs root to
//! create the users (CI runs as root); fails saying so otherwise (see
//! tests/requires/mod.rs).

mod requires;
mod server_common;

use kam::server::client::{ClientHello, Connection};
use kam::server::protocol::Reply;
use kam::server::spawn::Endpoint;
use server_common::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const GROUP: &str = "kamteam";
const MEMBER: &str = "kammember";
const OUTSIDER: &str = "kamoutsider";

fn id_of(flag: &str, user: &str) -> u32 {
    let out = Command::new("id").args([flag, user]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().parse().unwrap_or_else(|_| {
        panic!("no OS user {user} (`id {flag} {user}`: {out:?}); groupadd/useradd must work here")
    })
}

fn ensure_users() {
    let _ = Command::new("groupadd").arg(GROUP).output();
    let _ = Command::new("useradd")
        .args(["-M", "-N", "-g", GROUP, MEMBER])
        .output();
    let _ = Command::new("useradd")
        .args(["-M", "-N", OUTSIDER])
        .output();
}

/// The real binary run as another OS user (uid and primary gid).
fn kam_as(user: &str, db: &Path) -> Command {
    let mut c = kam(db);
    c.uid(id_of("-u", user)).gid(id_of("-g", user));
    c
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
#[cfg_attr(not(feature = "system-tests"), ignore = "needs root")]
fn a_team_directory_shares_with_the_group_and_attributes_by_peer_credentials() {
    requires::root();
    ensure_users();
    let t = TestDb::new();
    // Other users must be able to reach the team directory.
    std::fs::set_permissions(t.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir(&t.db).unwrap();
    let gid = id_of("-g", MEMBER);
    std::os::unix::fs::chown(&t.db, None, Some(gid)).unwrap();
    std::fs::set_permissions(&t.db, std::fs::Permissions::from_mode(0o2770)).unwrap();

    let csv = t.dir.path().join("a.csv");
    std::fs::write(&csv, "key,name,owner\nACME,Acme,root\n").unwrap();
    ok(&t.db, &["import", "accounts", csv.to_str().unwrap()]);

    // Group-shared files, owned by the team's group.
    let status: serde_json::Value =
        serde_json::from_str(&ok(&t.db, &["server", "status", "--json"])).unwrap();
    assert_eq!(status["group_shared"], true);
    assert_eq!(mode(&t.db), 0o2770);
    for f in ["kam.sock", "kam.lock", "kam-server.log", "db", "conf"] {
        let p = t.db.join(f);
        assert_eq!(mode(&p) & 0o777, 0o660, "{f}");
        assert_eq!(std::fs::metadata(&p).unwrap().gid(), gid, "{f} group");
    }

    // Root watches; the member pins an account through the same server.
    let hello = ClientHello {
        as_of: kam::clock::parse_date(TODAY).unwrap(),
        pinned: true,
        client_id: 1,
        subscribe: true,
    };
    let ep = Endpoint {
        db: t.db.clone(),
        as_of_arg: Some(TODAY.into()),
        exe: PathBuf::from(EXE),
    };
    let mut watcher = Connection::open(&ep, &hello).unwrap();
    let out = kam_as(MEMBER, &t.db)
        .args(["pin", "ACME", "Key", "--reason", "team call"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    watcher
        .stream()
        .unwrap()
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let start = Instant::now();
    let change = loop {
        assert!(start.elapsed() < Duration::from_secs(3), "no notification");
        if let Ok(Reply::Changed(c)) = watcher.recv() {
            break c;
        }
    };
    assert_eq!(change.user, MEMBER, "attributed by the kernel, not by root");
    let segments = ok(&t.db, &["segments", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&segments).unwrap();
    assert_eq!(v["accounts"][0]["pinned"], true);

    // Someone outside the group can neither connect nor read the files.
    let out = kam_as(OUTSIDER, &t.db).args(["matrix"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("permission denied") && err.contains("group"),
        "{err}"
    );
    let cat = Command::new("cat")
        .arg(t.db.join("conf"))
        .uid(id_of("-u", OUTSIDER))
        .gid(id_of("-g", OUTSIDER))
        .output()
        .unwrap();
    assert!(!cat.status.success());
}
