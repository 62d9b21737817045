//! Files from other tools: GBK and UTF-16 bytes, `;` and tab delimiters,
//! column maps, and contacts as vCard 4 (round trip, match by e-mail).

mod server_common;

use server_common::*;
use std::path::Path;

fn fail(db: &Path, args: &[&str]) -> (i32, String) {
    let out = run(db, args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn gbk_needs_its_name_and_the_error_says_so() {
    let t = TestDb::new();
    let f = t.dir.path().join("gbk.csv");
    // "key,name\nHW,华为技术\n" as a spreadsheet on a Chinese system saves it.
    let (gbk, _, bad) = encoding_rs::GBK.encode("key,name,owner\nHW,华为技术,ann\n");
    assert!(!bad);
    std::fs::write(&f, &gbk).unwrap();
    let file = f.to_str().unwrap();
    let (code, err) = fail(&t.db, &["import", "accounts", file]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains(":2: name: invalid UTF-8"), "{err}");
    assert!(err.contains("try --encoding gb18030"), "{err}");
    ok(&t.db, &["import", "accounts", file, "--encoding", "gbk"]);
    // A header in Chinese: the same advice.
    let (head, _, _) = encoding_rs::GBK.encode("代码,名称\nX,Y\n");
    std::fs::write(&f, &head).unwrap();
    let (code, err) = fail(&t.db, &["import", "accounts", file]);
    assert_eq!(code, 3);
    assert!(err.contains("try --encoding gb18030"), "{err}");
    let csv = ok(&t.db, &["export", "accounts"]);
    assert!(csv.contains("HW,华为技术"), "{csv}");
}

#[test]
fn a_gbk_row_far_into_a_large_file_gets_the_same_advice() {
    let t = TestDb::new();
    let f = t.dir.path().join("long.csv");
    std::fs::write(&f, "key,name,owner\nFIRST,First,ann\n").unwrap();
    ok(&t.db, &["import", "accounts", f.to_str().unwrap()]);
    // Read as it is planned (more than the 64 KiB head): the advice comes
    // from the row that is not UTF-8, line 4,002.
    let mut bytes = b"key,name,owner\n".to_vec();
    for n in 0..4000 {
        bytes.extend(format!("K-{n},Account number {n},ann\n").into_bytes());
    }
    assert!(bytes.len() > 64 * 1024);
    let (row, _, _) = encoding_rs::GBK.encode("HW,华为技术,ann\n");
    bytes.extend_from_slice(&row);
    std::fs::write(&f, &bytes).unwrap();
    let (code, err) = fail(&t.db, &["import", "accounts", f.to_str().unwrap()]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains(":4002: name: invalid UTF-8"), "{err}");
    assert!(err.contains("try --encoding gb18030"), "{err}");
    let csv = ok(&t.db, &["export", "accounts"]);
    assert!(
        csv.contains("FIRST,") && !csv.contains("K-1,"),
        "nothing imported: {csv}"
    );
}

#[test]
fn utf16_with_bom_and_tabs_as_excel_writes_unicode_text() {
    let t = TestDb::new();
    let f = t.dir.path().join("excel.txt");
    let text = "key\tname\towner\nAC\tAcme 株式会社\tann\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    std::fs::write(&f, &bytes).unwrap();
    // Detected from the BOM and the header line: no option needed.
    let out = ok(&t.db, &["import", "accounts", f.to_str().unwrap()]);
    assert!(out.contains("1 created"), "{out}");
    assert!(ok(&t.db, &["export", "accounts"]).contains("AC,Acme 株式会社"));
}

#[test]
fn semicolons_are_detected_and_a_wrong_delimiter_is_named() {
    let t = TestDb::new();
    let f = t.dir.path().join("eu.csv");
    std::fs::write(&f, "key;name;owner\nEU1;Müller, GmbH;ann\n").unwrap();
    let file = f.to_str().unwrap();
    let (code, err) = fail(&t.db, &["import", "accounts", file, "--delimiter", ","]);
    assert_eq!(code, 3);
    // Forced to ',', the header has one comma-free column: it says which option.
    assert!(err.contains("unknown column"), "{err}");
    assert!(err.contains("try --delimiter ';'"), "{err}");
    ok(&t.db, &["import", "accounts", file]);
    assert!(ok(&t.db, &["export", "accounts"]).contains("\"Müller, GmbH\""));
}

#[test]
fn mapped_columns_and_skipped_unknown_ones() {
    let t = TestDb::new();
    let f = t.dir.path().join("crm.csv");
    std::fs::write(
        &f,
        "Account ID,Company,Account Owner,Fax,Rating\nC-1,Acme,ann,123,hot\n",
    )
    .unwrap();
    let file = f.to_str().unwrap();
    let map = "Account ID=key,Company=name,Account Owner=owner";
    let (code, err) = fail(&t.db, &["import", "accounts", file, "--map", map]);
    assert_eq!(code, 3);
    assert!(
        err.contains("unknown column 'Fax'") && err.contains("--skip-unknown"),
        "{err}"
    );
    let out = ok(
        &t.db,
        &["import", "accounts", file, "--map", map, "--skip-unknown"],
    );
    assert!(out.contains("1 created"), "{out}");
    let csv = ok(&t.db, &["export", "accounts"]);
    assert!(
        csv.lines().nth(1).unwrap().starts_with("C-1,Acme,ann"),
        "{csv}"
    );
    let (code, err) = fail(
        &t.db,
        &["import", "accounts", file, "--map", "Company=colour"],
    );
    assert_eq!(code, 3);
    assert!(err.contains("'colour' is not a column"), "{err}");
}

fn contacts_db() -> TestDb {
    let t = TestDb::with_accounts();
    let f = t.dir.path().join("contacts.csv");
    std::fs::write(
        &f,
        "account,name,title,role,email,phone,primary,backup,left_at\n\
         ACME,李伟,CEO,executive,li@acme.test,+86 1,true,false,\n\
         ACME,\"Smith, Jo\",Buyer,procurement,jo@acme.test,,false,true,\n\
         GLOBEX,Ann Lee,\"Head; Ops\",other,,+1 555,false,false,2026-01-02\n",
    )
    .unwrap();
    ok(&t.db, &["import", "contacts", f.to_str().unwrap()]);
    t
}

#[test]
fn vcard_export_import_export_is_identical() {
    let t = contacts_db();
    let vcf = ok(&t.db, &["export", "contacts", "--format", "vcard"]);
    assert_eq!(vcf.matches("BEGIN:VCARD\r\n").count(), 3);
    assert!(vcf.contains("VERSION:4.0\r\n") && vcf.contains("FN:Smith\\, Jo\r\n"));
    // Into a new book with the same accounts.
    let t2 = TestDb::with_accounts();
    let f = t2.dir.path().join("all.vcf");
    std::fs::write(&f, &vcf).unwrap();
    let out = ok(&t2.db, &["import", "contacts", f.to_str().unwrap()]);
    assert!(out.contains("3 created"), "{out}");
    assert_eq!(
        ok(&t2.db, &["export", "contacts", "--format", "vcard"]),
        vcf
    );
    assert_eq!(
        ok(&t2.db, &["export", "contacts"]),
        ok(&t.db, &["export", "contacts"])
    );
    // And again into the same book: every card matches its contact.
    let out = ok(&t2.db, &["import", "contacts", f.to_str().unwrap()]);
    assert!(out.contains("0 created, 0 updated, 3 skipped"), "{out}");
    let (code, err) = fail(&t2.db, &["export", "accounts", "--format", "vcard"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn cards_match_by_email_and_name_accounts_by_org() {
    let t = contacts_db();
    let f = t.dir.path().join("phone.vcf");
    // A phone's card: renamed contact (same e-mail), account by name only,
    // and an error on the card's own line.
    std::fs::write(
        &f,
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Li Wei\r\nORG:Acme Corp\r\nEMAIL;TYPE=work:LI@acme.test\r\nEND:VCARD\r\n",
    )
    .unwrap();
    let out = ok(&t.db, &["import", "contacts", f.to_str().unwrap()]);
    assert!(out.contains("0 created, 1 updated"), "{out}");
    let csv = ok(&t.db, &["export", "contacts"]);
    assert!(
        csv.contains("ACME,Li Wei,") && !csv.contains("李伟"),
        "{csv}"
    );
    std::fs::write(
        &f,
        "BEGIN:VCARD\nFN:Ok\nORG:Acme Corp\nEND:VCARD\nBEGIN:VCARD\nFN:X\nORG:Nobody Inc\nEND:VCARD\n",
    )
    .unwrap();
    let (code, err) = fail(&t.db, &["import", "contacts", f.to_str().unwrap()]);
    assert_eq!(code, 3);
    assert!(
        err.contains("phone.vcf:5: account: unknown account"),
        "{err}"
    );
    assert!(
        !ok(&t.db, &["export", "contacts"]).contains(",Ok,"),
        "all or nothing"
    );
}
