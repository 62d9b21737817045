//! `kam agenda --json`, written as it is produced: one owner's agenda at
//! 100k accounts is 28k items (8 MB of JSON), and building it as a JSON tree
//! first cost more than the rest of the answer. The bytes are what
//! pretty-printing the whole document gives: keys in alphabetical order,
//! two-space indent.

use super::report::{AccountLookup, key_name};
use super::segments_json::Streamed;
use crate::segment::{AgendaItem, Engine};
use chrono::NaiveDate;
use serde::Serialize;
use std::cell::RefCell;
use std::io::Write;

/// One agenda item, as `kam agenda --json` and `kam digest --json` give it;
/// fields in alphabetical order (the document's key order).
#[derive(Serialize)]
pub(super) struct ItemJson<'a> {
    days_late: i64,
    due: NaiveDate,
    flag: Option<&'static str>,
    follow_up: Option<u64>,
    key: &'a str,
    kind: &'static str,
    name: &'a str,
    text: &'a str,
    tier: &'a str,
}

impl<'a> ItemJson<'a> {
    pub(super) fn new(key: &'a str, name: &'a str, i: &'a AgendaItem) -> ItemJson<'a> {
        ItemJson {
            days_late: i.days_late,
            due: i.due,
            flag: i.flag.map(|f| f.as_str()),
            follow_up: i.follow_up.map(|f| f.0),
            key,
            kind: i.kind.as_str(),
            name,
            text: &i.text,
            tier: &i.tier,
        }
    }
}

#[derive(Serialize)]
#[serde(bound(serialize = "Streamed<I>: Serialize"))]
struct Doc<'a, I> {
    as_of: String,
    items: Streamed<I>,
    owner: Option<&'a str>,
}

/// Writes the document (and a newline) to `out`.
pub fn write(
    engine: &Engine,
    lookup: &impl AccountLookup,
    owner: Option<&str>,
    items: &[AgendaItem],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let names: Vec<(String, String)> = items.iter().map(|i| key_name(lookup, i.account)).collect();
    let items = items
        .iter()
        .zip(&names)
        .map(|(i, (key, name))| ItemJson::new(key, name, i));
    let doc = Doc {
        as_of: engine.as_of().to_string(),
        items: Streamed(RefCell::new(Some(items))),
        owner,
    };
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut out, &doc)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Account, AccountId, Interaction, InteractionKind, Money};
    use crate::segment::Model;
    use serde_json::json;
    use std::collections::HashMap;

    /// The document as a JSON tree pretty-printed: what `write` must equal.
    fn as_tree(
        engine: &Engine,
        lookup: &HashMap<AccountId, Account>,
        owner: Option<&str>,
        items: &[AgendaItem],
    ) -> String {
        let items: Vec<_> = items
            .iter()
            .map(|i| {
                let (key, name) = key_name(lookup, i.account);
                serde_json::to_value(ItemJson::new(&key, &name, i)).unwrap()
            })
            .collect();
        let v = json!({"as_of": engine.as_of().to_string(), "owner": owner, "items": items});
        format!("{v:#}\n")
    }

    #[test]
    fn streamed_bytes_equal_the_pretty_printed_tree() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let mut e = Engine::new(Model::default(), today);
        let mut lookup = HashMap::new();
        for n in 1..=4u64 {
            let a = Account {
                id: AccountId(n),
                key: format!("K{n}"),
                name: format!("名前 \"{n}\"\n"),
                owner: "ann".into(),
                ..Default::default()
            };
            e.upsert_account(&a);
            let mut i = Interaction::new(a.id, InteractionKind::Order, today);
            i.id = crate::domain::InteractionId(100 + n);
            i.amount = Some(Money::from_cents(12_345 * n as i64));
            i.due = NaiveDate::from_ymd_opt(2026, 9, 1);
            e.upsert_interaction(&i);
            lookup.insert(a.id, a);
        }
        let items = e.agenda(Some("ann"), &[]);
        assert!(!items.is_empty());
        for (owner, items) in [
            (Some("ann"), &items[..]),
            (None, &items[..1]),
            (None, &[][..]),
        ] {
            let mut out = Vec::new();
            write(&e, &lookup, owner, items, &mut out).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                as_tree(&e, &lookup, owner, items)
            );
        }
    }
}
