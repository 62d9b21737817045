//! Contacts as vCard 4 (RFC 6350): `kam export contacts --format vcard` and
//! `kam import contacts FILE.vcf`. A card carries the account as
//! `X-KAM-ACCOUNT` (its key) and `ORG` (its name; used when a card from
//! another program has no key); kam's own fields that vCard lacks are
//! `X-KAM-*` properties, which other programs keep and ignore.
//!
//! Import turns the cards into contact rows and runs them through the CSV
//! importer: the same checks, all-or-nothing, errors at the card's line.

use super::columns::{RecordKind, format_date};
use super::contentline::{escape, first_component, fold, unescape, unfold};
use crate::domain::Contact;
use crate::store::{Store, StoreError};
use std::io::Write;

/// True when the text starts (after blank lines) with `BEGIN:VCARD`.
pub fn is_vcard(bytes: &[u8]) -> bool {
    let start = bytes.trim_ascii_start();
    start.len() >= 11 && start[..11].eq_ignore_ascii_case(b"BEGIN:VCARD")
}

/// One card as content lines.
pub fn card(c: &Contact, account_key: &str, account_name: &str) -> String {
    let mut out = String::new();
    let mut line = |name: &str, value: &str| {
        out.push_str(&fold(&format!("{name}:{value}")));
    };
    line("BEGIN", "VCARD");
    line("VERSION", "4.0");
    line("FN", &escape(&c.name));
    line("ORG", &escape(account_name));
    if !c.title.is_empty() {
        line("TITLE", &escape(&c.title));
    }
    if !c.email.is_empty() {
        line("EMAIL", &escape(&c.email));
    }
    if !c.phone.is_empty() {
        line("TEL", &escape(&c.phone));
    }
    line("X-KAM-ACCOUNT", &escape(account_key));
    line("X-KAM-ROLE", c.role.as_str());
    if c.primary {
        line("X-KAM-PRIMARY", "true");
    }
    if c.backup {
        line("X-KAM-BACKUP", "true");
    }
    if let Some(d) = c.left_at {
        line("X-KAM-LEFT", &format_date(d));
    }
    line("END", "VCARD");
    out
}

/// Every contact, in the CSV export's order (account key, name, id).
pub fn export(store: &Store, out: &mut dyn Write) -> Result<(), ExportVcardError> {
    let mut accounts = store.accounts()?;
    accounts.sort_by(|a, b| a.key.cmp(&b.key));
    for a in &accounts {
        let mut cs = store.contacts_of(a.id)?;
        cs.sort_by(|x, y| x.name.cmp(&y.name).then(x.id.cmp(&y.id)));
        for c in &cs {
            out.write_all(card(c, &a.key, &a.name).as_bytes())?;
        }
    }
    out.flush()?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum ExportVcardError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The cards of `text` as contact CSV (with a header line), and the line
/// each card begins on, for error messages. An error is `LINE: reason`.
pub fn to_csv(text: &[u8]) -> Result<(Vec<u8>, Vec<u64>), String> {
    let text =
        std::str::from_utf8(text).map_err(|_| "1: the vCard file is not UTF-8".to_string())?;
    let mut cards: Vec<Vec<(&'static str, String)>> = Vec::new();
    let mut kam_cards = true;
    let mut starts = Vec::new();
    let mut current: Option<(u64, Vec<(&'static str, String)>)> = None;
    for (n, l) in unfold(text) {
        let Some((head, value)) = l.split_once(':') else {
            return Err(format!("{n}: not a vCard property line"));
        };
        let name = head.split(';').next().unwrap_or_default();
        // `item1.EMAIL`: a group prefix some programs write.
        let name = name.rsplit('.').next().unwrap_or(name).to_ascii_uppercase();
        match (name.as_str(), &mut current) {
            ("BEGIN", None) if value.eq_ignore_ascii_case("VCARD") => {
                current = Some((n, Vec::new()));
            }
            ("END", Some(_)) if value.eq_ignore_ascii_case("VCARD") => {
                let (start, fields) = current.take().unwrap_or_default();
                cards.push(fields);
                starts.push(start);
            }
            (_, None) => return Err(format!("{n}: a property outside BEGIN:VCARD … END:VCARD")),
            (_, Some((_, fields))) => {
                let column = match name.as_str() {
                    "X-KAM-ACCOUNT" => {
                        fields.push(("kam", String::new()));
                        "account"
                    }
                    // The key wins over the name when both are present.
                    "ORG" if !fields.iter().any(|(k, _)| *k == "account") => "account",
                    "FN" => "name",
                    "TITLE" => "title",
                    "X-KAM-ROLE" => "role",
                    "EMAIL" => "email",
                    "TEL" => "phone",
                    "X-KAM-PRIMARY" => "primary",
                    "X-KAM-BACKUP" => "backup",
                    "X-KAM-LEFT" => "left_at",
                    _ => continue,
                };
                let value = if name == "ORG" {
                    unescape(first_component(value))
                } else if name == "TEL" {
                    unescape(value.strip_prefix("tel:").unwrap_or(value))
                } else {
                    unescape(value)
                };
                if let Some(slot) = fields.iter_mut().find(|(k, _)| *k == column) {
                    // First EMAIL/TEL wins; the key replaces ORG.
                    if column == "account" && name == "X-KAM-ACCOUNT" {
                        slot.1 = value;
                    }
                } else {
                    fields.push((column, value));
                }
            }
        }
    }
    if let Some((start, _)) = current {
        return Err(format!("{start}: BEGIN:VCARD without END:VCARD"));
    }
    // kam's own cards leave out empty fields: every column is meant. A card
    // from another program leaves out what it does not know, which must not
    // blank what kam has: only the columns every card has are imported.
    kam_cards &= cards.iter().all(|c| c.iter().any(|(k, _)| *k == "kam"));
    let columns: Vec<&str> = RecordKind::Contacts
        .columns()
        .iter()
        .copied()
        .filter(|col| {
            kam_cards
                || matches!(*col, "account" | "name")
                || cards.iter().all(|c| c.iter().any(|(k, _)| k == col))
        })
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| format!("1: {e}");
    w.write_record(&columns).map_err(csv_err)?;
    for fields in &cards {
        let get = |c: &str| {
            fields
                .iter()
                .find(|(k, _)| *k == c)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default()
        };
        let row: Vec<&str> = columns.iter().map(|c| get(c)).collect();
        w.write_record(&row).map_err(csv_err)?;
    }
    let bytes = w.into_inner().map_err(|e| format!("1: {e}"))?;
    Ok((bytes, starts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ContactRole;

    #[test]
    fn cards_from_other_programs_become_rows() {
        let vcf = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Li\r\n  Wei\r\nORG:Acme\\, Inc;Sales\r\n\
                   item1.EMAIL;TYPE=work:li@acme.test\r\nTEL;VALUE=uri:tel:+86-1\r\nEND:VCARD\r\n\
                   BEGIN:VCARD\nFN:Bo\nX-KAM-ACCOUNT:ACME\nORG:Other\nEND:VCARD\n";
        assert!(is_vcard(vcf.as_bytes()));
        let (csv, lines) = to_csv(vcf.as_bytes()).unwrap();
        let text = String::from_utf8(csv).unwrap();
        let rows: Vec<&str> = text.lines().collect();
        // Only what every card has (a card from elsewhere blanks nothing).
        assert_eq!(rows[0], "account,name");
        assert_eq!(rows[1], "\"Acme, Inc\",Li Wei");
        assert_eq!(rows[2], "ACME,Bo");
        assert_eq!(lines, vec![1, 9]);
    }

    #[test]
    fn our_cards_carry_every_field() {
        let c = Contact {
            name: "王芳, PhD".into(),
            title: "CFO".into(),
            role: ContactRole::Executive,
            email: "w@x.test".into(),
            phone: "+1 555".into(),
            primary: true,
            left_at: Some(chrono::NaiveDate::from_ymd_opt(2025, 1, 2).unwrap()),
            ..Contact::default()
        };
        let text = card(&c, "K1", "Acme; Co");
        assert!(text.contains("FN:王芳\\, PhD\r\n") && text.contains("ORG:Acme\\; Co\r\n"));
        let (csv, _) = to_csv(text.as_bytes()).unwrap();
        let text = String::from_utf8(csv).unwrap();
        assert_eq!(
            text.lines().nth(1).unwrap(),
            "K1,\"王芳, PhD\",CFO,executive,w@x.test,+1 555,true,,2025-01-02"
        );
        assert!(
            to_csv(b"BEGIN:VCARD\nFN:x\n")
                .unwrap_err()
                .starts_with("1: BEGIN")
        );
    }
}
