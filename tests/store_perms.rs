//! Database directory and files are private (0700/0600), or group-shared
//! (0770/0660) in team mode. One test in its own binary: the umask is
//! process-wide, so nothing else may open a store concurrently here.

use kam::domain::Account;
use kam::store::{OpenOptions, Store};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Every directory and file under `dir` (and `dir` itself), with its mode.
fn modes(dir: &Path, out: &mut Vec<(String, bool, u32)>) {
    out.push((dir.display().to_string(), true, mode(dir)));
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            modes(&p, out);
        } else {
            out.push((p.display().to_string(), false, mode(&p)));
        }
    }
}

fn check(group_shared: bool, dir_mode: u32, file_mode: u32) {
    // a permissive umask, as a user's shell would have
    unsafe {
        libc::umask(0o022);
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("kam");
    let opts = OpenOptions {
        group_shared,
        ..Default::default()
    };
    {
        let s = Store::open_with(&path, &opts).unwrap();
        for n in 0..50 {
            s.insert_account(Account {
                key: format!("K{n}"),
                name: "n".into(),
                ..Default::default()
            })
            .unwrap();
        }
        s.meta_put("model", &[7; 10_000]).unwrap();
    }
    let mut all = Vec::new();
    modes(&path, &mut all);
    assert!(all.iter().any(|(p, _, _)| p.ends_with("/db")), "{all:?}");
    for (p, is_dir, m) in &all {
        let want = if *is_dir { dir_mode } else { file_mode };
        assert_eq!(*m, want, "{p} has mode {m:o}, want {want:o}");
    }
}

#[test]
fn private_and_group_modes() {
    check(false, 0o700, 0o600);
    check(true, 0o770, 0o660);
}
