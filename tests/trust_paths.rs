//! Where a database may live: a directory path of any length (the socket
//! address limit is 107 bytes), and a new database inside a team directory
//! is the team's (group-shared), not private.

mod requires;
mod server_common;

use server_common::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

#[test]
fn a_database_path_of_200_characters_works_through_the_server() {
    let t = TestDb::new();
    let mut db = t.dir.path().to_path_buf();
    while db.as_os_str().len() < 200 {
        db = db.join("a-long-directory-name");
    }
    let db = db.join("book");
    assert!(db.as_os_str().len() > 200);
    let out = run(&db, &["demo", "--accounts", "5"]);
    assert!(
        out.status.success(),
        "demo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let segments = ok(&db, &["segments", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&segments).unwrap();
    assert_eq!(v["accounts"].as_array().map(Vec::len), Some(5), "{v}");
    // Through the server, whose socket is in the database directory.
    assert!(server_pid(&db).is_some(), "a server serves the long path");
    assert!(db.join("kam.sock").exists());
    ok(&db, &["server", "stop"]);
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().mode() & 0o7777
}

#[test]
#[cfg_attr(not(feature = "system-tests"), ignore = "needs root")]
fn a_new_database_in_a_team_directory_is_group_shared() {
    requires::root();
    let t = TestDb::new();
    let team = t.dir.path().join("team");
    std::fs::create_dir(&team).unwrap();
    // A group other than root's own, as a team's would be.
    let gid = 4242;
    std::os::unix::fs::chown(&team, None, Some(gid)).unwrap();
    std::fs::set_permissions(&team, std::fs::Permissions::from_mode(0o2770)).unwrap();
    let db = team.join("sales");
    let csv = t.dir.path().join("a.csv");
    std::fs::write(&csv, "key,name,owner\nACME,Acme,root\n").unwrap();
    let out = kam(&db)
        .args(["import", "accounts", csv.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: serde_json::Value =
        serde_json::from_str(&ok(&db, &["server", "status", "--json"])).unwrap();
    assert_eq!(status["group_shared"], true, "{status}");
    assert_eq!(mode(&db), 0o2770);
    assert_eq!(std::fs::metadata(&db).unwrap().gid(), gid);
    for f in ["kam.sock", "kam.lock", "kam-server.log", "db", "conf"] {
        let p = db.join(f);
        assert_eq!(mode(&p) & 0o777, 0o660, "{f}");
        assert_eq!(std::fs::metadata(&p).unwrap().gid(), gid, "{f} group");
    }
    ok(&db, &["server", "stop"]);
    // The same in this process (--no-server): a team database too.
    let local = team.join("support");
    let out = kam(&local)
        .env("KAM_NO_SERVER", "1")
        .args(["import", "accounts", csv.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mode(&local), 0o2770);
    assert_eq!(mode(&local.join("db")) & 0o777, 0o660);
}
