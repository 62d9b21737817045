//! Column names and value formats shared by import and export. Scripts depend
//! on these spellings, so export writes exactly these and import reads them.

use crate::domain::{Money, text::clean_line};
use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// The record types that can be imported and exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum RecordKind {
    Accounts,
    Contacts,
    Interactions,
    KeyDates,
}

impl RecordKind {
    pub const ALL: [RecordKind; 4] = [
        RecordKind::Accounts,
        RecordKind::Contacts,
        RecordKind::Interactions,
        RecordKind::KeyDates,
    ];
}

impl std::str::FromStr for RecordKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RecordKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "'{s}' is not a kind of record (accounts, contacts, interactions, keydates)"
                )
            })
    }
}

pub const ACCOUNT_COLUMNS: &[&str] = &[
    "key",
    "name",
    "owner",
    "backup_owner",
    "industry",
    "region",
    "status",
    "since",
    "orientation",
    "potential",
    "loyalty",
    "strategic_fit",
    "tech_cooperation",
    "tags",
    "background",
    "finance",
    "organisation",
    "competitors",
    "suppliers",
    "downstream",
    "plans",
    "needs",
];

pub const CONTACT_COLUMNS: &[&str] = &[
    "account", "name", "title", "role", "email", "phone", "primary", "backup", "left_at",
];

pub const INTERACTION_COLUMNS: &[&str] = &[
    "account",
    "kind",
    "at",
    "amount",
    "margin",
    "due",
    "paid_at",
    "satisfaction",
    "summary",
    "author",
    "follow_up",
];

/// Key dates: `id` (blank for a new one) matches a stored date on re-import;
/// `lead_days` blank means the kind's default.
pub const KEYDATE_COLUMNS: &[&str] = &["id", "account", "kind", "on", "lead_days", "note"];

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Accounts => "accounts",
            RecordKind::Contacts => "contacts",
            RecordKind::Interactions => "interactions",
            RecordKind::KeyDates => "keydates",
        }
    }

    /// Every column, in export order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            RecordKind::Accounts => ACCOUNT_COLUMNS,
            RecordKind::Contacts => CONTACT_COLUMNS,
            RecordKind::Interactions => INTERACTION_COLUMNS,
            RecordKind::KeyDates => KEYDATE_COLUMNS,
        }
    }

    /// Columns an import file must have.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            RecordKind::Accounts => &["key", "name"],
            RecordKind::Contacts => &["account", "name"],
            RecordKind::Interactions => &["account", "kind", "at"],
            RecordKind::KeyDates => &["account", "kind", "on"],
        }
    }
}

impl std::fmt::Display for RecordKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Separator of the `tags` column.
pub const TAG_SEPARATOR: char = ';';

/// One exported value, typed so that JSON keeps numbers, booleans and nulls
/// while CSV gets the same text for every format.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Always a string (possibly empty).
    Text(String),
    /// A value that may be absent: empty cell / `null`.
    Opt(Option<String>),
    /// Rating or satisfaction: number or `null`.
    Num(Option<u8>),
    Bool(bool),
    Money(Option<Money>),
    List(Vec<String>),
}

impl Cell {
    pub fn date(d: Option<NaiveDate>) -> Cell {
        Cell::Opt(d.map(format_date))
    }

    /// The CSV text of this value.
    pub fn to_csv(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Opt(s) => s.clone().unwrap_or_default(),
            Cell::Num(n) => n.map(|n| n.to_string()).unwrap_or_default(),
            Cell::Bool(b) => b.to_string(),
            Cell::Money(m) => m.map(|m| m.to_string()).unwrap_or_default(),
            Cell::List(v) => v.join(&TAG_SEPARATOR.to_string()),
        }
    }
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Text(t) => s.serialize_str(t),
            Cell::Opt(o) => o.serialize(s),
            Cell::Num(n) => n.serialize(s),
            Cell::Bool(b) => s.serialize_bool(*b),
            // Money is a string so no JSON reader turns it into a float.
            Cell::Money(m) => m.map(|m| m.to_string()).serialize(s),
            Cell::List(v) => v.serialize(s),
        }
    }
}

/// A row as a JSON object whose keys are the column names.
pub struct JsonRow<'a> {
    pub columns: &'static [&'static str],
    pub cells: &'a [Cell],
}

impl Serialize for JsonRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.columns.len()))?;
        for (name, cell) in self.columns.iter().zip(self.cells) {
            map.serialize_entry(name, cell)?;
        }
        map.end()
    }
}

/// `YYYY-MM-DD`.
pub fn format_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `YYYY-MM-DD` for a midnight-UTC time (the usual "happened that day"),
/// otherwise RFC 3339 in UTC to the second.
pub fn format_at(t: DateTime<Utc>) -> String {
    if t.time() == NaiveTime::MIN {
        format_date(t.date_naive())
    } else {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

/// `YYYY-MM-DD`, or an RFC 3339 time taken as its UTC date.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d);
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc).date_naive())
        .map_err(|_| format!("'{s}' is not a date (expected YYYY-MM-DD or RFC 3339)"))
}

/// `YYYY-MM-DD` (midnight UTC) or RFC 3339 converted to UTC. Stored times
/// have whole seconds, so fractions are dropped here rather than by the store
/// (duplicate detection must compare what will be stored).
pub fn parse_at(s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_time(NaiveTime::MIN).and_utc());
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .and_then(|t| t.with_timezone(&Utc).with_nanosecond(0))
        .ok_or_else(|| format!("'{s}' is not a date or time (expected YYYY-MM-DD or RFC 3339)"))
}

/// `true/false/yes/no/1/0`, any case; empty is false.
pub fn parse_bool(s: &str) -> Result<bool, String> {
    let t = s.trim().to_ascii_lowercase();
    match t.as_str() {
        "" | "false" | "no" | "0" => Ok(false),
        "true" | "yes" | "1" => Ok(true),
        _ => Err(format!(
            "'{}' is not a boolean (expected true/false/yes/no/1/0)",
            s.trim()
        )),
    }
}

/// A decimal amount with `.` and at most 2 decimals; empty is absent.
pub fn parse_money(s: &str) -> Result<Option<Money>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    Money::parse(s)
        .map(Some)
        .map_err(|e| format!("'{s}' is not an amount: {e}"))
}

/// `a; b;c` → `["a", "b", "c"]`, cleaned, empties dropped.
pub fn parse_tags(s: &str) -> Vec<String> {
    s.split(TAG_SEPARATOR)
        .map(clean_line)
        .filter(|t| !t.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn dates_accept_plain_and_rfc3339_in_utc() {
        assert_eq!(parse_date("2024-02-29"), Ok(day(2024, 2, 29)));
        // 23:30 at UTC-02:00 is already the next day in UTC.
        assert_eq!(parse_date("2024-03-01T23:30:00-02:00"), Ok(day(2024, 3, 2)));
        assert!(parse_date("2023-02-29").is_err());
        assert!(parse_date("01/03/2024").is_err());
        assert_eq!(
            parse_date("soon").unwrap_err(),
            "'soon' is not a date (expected YYYY-MM-DD or RFC 3339)"
        );
    }

    #[test]
    fn times_convert_to_utc_and_print_back() {
        let t = parse_at("2024-03-01T10:15:30.75+08:00").unwrap();
        assert_eq!(format_at(t), "2024-03-01T02:15:30Z");
        let midnight = parse_at("2024-03-01").unwrap();
        assert_eq!(format_at(midnight), "2024-03-01");
        assert_eq!(
            format_at(parse_at("2024-03-01T00:00:00Z").unwrap()),
            "2024-03-01"
        );
        assert!(parse_at("2024-03-01 10:00").is_err());
    }

    #[test]
    fn booleans() {
        for t in ["true", "YES", "1", " True "] {
            assert_eq!(parse_bool(t), Ok(true), "{t}");
        }
        for f in ["false", "no", "0", ""] {
            assert_eq!(parse_bool(f), Ok(false), "{f}");
        }
        assert_eq!(
            parse_bool("maybe").unwrap_err(),
            "'maybe' is not a boolean (expected true/false/yes/no/1/0)"
        );
    }

    #[test]
    fn money_is_exact_or_an_error() {
        assert_eq!(parse_money("1234.5"), Ok(Some(Money::from_cents(123_450))));
        assert_eq!(parse_money("-0.05"), Ok(Some(Money::from_cents(-5))));
        assert_eq!(parse_money(" "), Ok(None));
        assert_eq!(
            parse_money("1.234").unwrap_err(),
            "'1.234' is not an amount: at most 2 decimals allowed"
        );
        assert!(parse_money("1,5").is_err());
    }

    #[test]
    fn tags() {
        assert_eq!(parse_tags(" vip; ;重点\u{202E} ;"), vec!["vip", "重点"]);
    }

    #[test]
    fn cells_render_for_csv_and_json() {
        let cells = [
            Cell::Text("a,b".into()),
            Cell::Opt(None),
            Cell::Num(Some(3)),
            Cell::Bool(true),
            Cell::Money(Some(Money::from_cents(123_450))),
            Cell::List(vec!["x".into(), "y".into()]),
        ];
        let csv: Vec<String> = cells.iter().map(Cell::to_csv).collect();
        assert_eq!(csv, ["a,b", "", "3", "true", "1234.50", "x;y"]);
        let row = JsonRow {
            columns: &["t", "o", "n", "b", "m", "l"],
            cells: &cells,
        };
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            r#"{"t":"a,b","o":null,"n":3,"b":true,"m":"1234.50","l":["x","y"]}"#
        );
    }

    #[test]
    fn the_account_columns_end_with_the_profile_sections_in_their_order() {
        // The CSV names each section as the profile does; import and export
        // find a section by that name.
        let sections =
            &ACCOUNT_COLUMNS[ACCOUNT_COLUMNS.len() - crate::domain::Profile::SECTIONS.len()..];
        assert_eq!(sections, crate::domain::Profile::SECTIONS);
    }
}
