//! A command that fails changes nothing: it creates no database, and leaves
//! none behind — later reads still say the database is missing (exit 4).

use assert_cmd::Command;
use std::path::Path;

const TODAY: &str = "2026-11-24";

fn kam(db: &Path, no_server: bool) -> Command {
    let mut c = Command::cargo_bin("kam").unwrap();
    c.env("KAM_DB", db)
        .env("KAM_TODAY", TODAY)
        .env("KAM_SERVER_IDLE", "1")
        .env_remove("XDG_DATA_HOME");
    if no_server {
        c.env("KAM_NO_SERVER", "1");
    } else {
        c.env_remove("KAM_NO_SERVER");
    }
    c
}

#[test]
fn the_tui_without_a_terminal_fails_before_creating_the_database() {
    for no_server in [false, true] {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("new/book");
        for args in [&[][..], &["--demo"][..]] {
            kam(&db, no_server)
                .args(args)
                .write_stdin("")
                .assert()
                .failure()
                .stderr(predicates::str::contains("needs a terminal"));
            assert!(
                !tmp.path().join("new").exists(),
                "no_server={no_server} {args:?}"
            );
        }
    }
}

#[test]
fn a_failed_first_import_leaves_no_database() {
    for no_server in [false, true] {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("new/book");
        let csv = tmp.path().join("bad.csv");
        std::fs::write(&csv, "key,name,owner\nACME,,ann\n,Nameless,bob\n").unwrap();
        kam(&db, no_server)
            .args(["import", "accounts", csv.to_str().unwrap()])
            .assert()
            .code(3);
        assert!(!tmp.path().join("new").exists(), "no_server={no_server}");
        kam(&db, no_server)
            .args(["segments"])
            .assert()
            .code(4)
            .stderr(predicates::str::contains("there is no kam database"));
        // An existing empty directory stays, empty.
        std::fs::create_dir_all(&db).unwrap();
        kam(&db, no_server)
            .args(["import", "accounts", csv.to_str().unwrap()])
            .assert()
            .code(3);
        assert!(db.is_dir());
        // The command's own files may remain in a directory that existed;
        // the book itself must not be half-made: a good import works.
        std::fs::write(&csv, "key,name,owner\nACME,Acme,ann\n").unwrap();
        kam(&db, no_server)
            .args(["import", "accounts", csv.to_str().unwrap()])
            .assert()
            .success();
        kam(&db, no_server)
            .args(["server", "stop"])
            .assert()
            .success();
    }
}
