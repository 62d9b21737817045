//! Filter expressions for the account list: space-separated terms such as
//! `tier:key owner:li flag:overdue_payment region:east`; all must hold. A bare
//! word matches key or name. Matching is case-insensitive substring; a tier
//! or flag that matches no known name is an error naming the known ones.
//! `who:USER` is the one whole-name match: owner or backup owner is USER
//! ("my accounts" must not include another user whose name contains mine).

use super::AccountRow;
use crate::segment::Flag;

pub const FIELDS: [&str; 11] = [
    "tier", "owner", "backup", "flag", "region", "industry", "status", "tag", "key", "cell", "who",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Field(&'static str, String),
    Word(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    text: String,
    terms: Vec<Term>,
}

/// Known values of the closed fields: `tier:` checks against these.
#[derive(Debug, Clone, Copy, Default)]
pub struct Vocab<'a> {
    /// Tier names of the current model, most important first.
    pub tiers: &'a [String],
}

impl Filter {
    /// Parses an expression; an unknown field, tier or flag is an error
    /// naming the known ones.
    pub fn parse(expr: &str, vocab: Vocab<'_>) -> Result<Filter, String> {
        let text = crate::domain::text::clean_line(expr);
        let mut terms = Vec::new();
        for word in text.split_whitespace() {
            match word.split_once(':') {
                Some((f, v)) => {
                    let f = f.to_ascii_lowercase();
                    let Some(field) = FIELDS.iter().find(|k| **k == f) else {
                        return Err(format!(
                            "unknown filter field '{f}' (use {})",
                            FIELDS.join(", ")
                        ));
                    };
                    if v.is_empty() {
                        return Err(format!("'{f}:' needs a value"));
                    }
                    let v = v.to_lowercase();
                    check_value(field, &v, vocab)?;
                    terms.push(Term::Field(field, v));
                }
                None => terms.push(Term::Word(word.to_lowercase())),
            }
        }
        Ok(Filter { text, terms })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The expression as typed (cleaned), for the pane title.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The matrix cell (row, column) a `cell:` term asks for, if any.
    pub fn cell(&self) -> Option<(usize, usize)> {
        self.terms.iter().find_map(|t| match t {
            Term::Field("cell", v) => {
                let (r, c) = v.split_once(',')?;
                Some((r.trim().parse().ok()?, c.trim().parse().ok()?))
            }
            _ => None,
        })
    }

    pub fn matches(&self, row: &AccountRow) -> bool {
        self.terms.iter().all(|t| term_matches(t, row))
    }
}

/// A tier or flag value must match (as a substring) a known name, or the
/// filter would silently show nothing.
fn check_value(field: &str, v: &str, vocab: Vocab<'_>) -> Result<(), String> {
    if field == "cell" {
        let ok = v.split_once(',').is_some_and(|(r, c)| {
            r.trim().parse::<usize>().is_ok() && c.trim().parse::<usize>().is_ok()
        });
        return if ok {
            Ok(())
        } else {
            Err(format!(
                "cell:{v}: a cell is row,column as in the matrix (e.g. cell:0,1); for a tier use tier:{v}"
            ))
        };
    }
    if v.contains(',') {
        return Err(format!(
            "{field}:{v}: one value per term (terms are combined with and)"
        ));
    }
    let known: Vec<String> = match field {
        "tier" if !vocab.tiers.is_empty() => vocab.tiers.iter().map(|t| t.to_lowercase()).collect(),
        "flag" => Flag::ALL.iter().map(|f| f.as_str().to_string()).collect(),
        _ => return Ok(()),
    };
    if known.iter().any(|k| k.contains(v)) {
        Ok(())
    } else {
        Err(format!("no {field} '{v}' (known: {})", known.join(", ")))
    }
}

fn has(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(needle)
}

fn term_matches(t: &Term, r: &AccountRow) -> bool {
    match t {
        Term::Word(w) => has(&r.text.key, w) || has(&r.text.name, w),
        Term::Field(f, v) => match *f {
            "tier" => has(&r.tier, v),
            "owner" => has(&r.text.owner, v),
            "backup" => has(&r.text.backup_owner, v),
            "flag" => r.flags.iter().any(|x| has(x, v)),
            "region" => has(&r.text.region, v),
            "industry" => has(&r.text.industry, v),
            "status" => has(&r.text.status, v),
            "tag" => r.text.tags.iter().any(|x| has(x, v)),
            "key" => has(&r.text.key, v),
            "cell" => r.cell.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(v)),
            "who" => r.text.owner.to_lowercase() == *v || r.text.backup_owner.to_lowercase() == *v,
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn cells_take_row_and_column_and_terms_one_value() {
        let v = Vocab::default();
        assert!(Filter::parse("cell:0,1", v).is_ok());
        let e = Filter::parse("cell:key", v).unwrap_err();
        assert!(e.contains("row,column") && e.contains("tier:key"), "{e}");
        let e = Filter::parse("status:active,dormant", v).unwrap_err();
        assert!(e.contains("one value per term"), "{e}");
    }
    use super::*;

    fn p(expr: &str) -> Result<Filter, String> {
        let tiers = [
            "Key".to_string(),
            "Development".into(),
            "Opportunity".into(),
        ];
        Filter::parse(expr, Vocab { tiers: &tiers })
    }

    fn row() -> AccountRow {
        AccountRow {
            text: std::sync::Arc::new(super::super::RowText {
                key: "ACME-1".into(),
                name: "Acme Ltd".into(),
                owner: "li.wei".into(),
                backup_owner: "zhang".into(),
                region: "East".into(),
                tags: Box::new(["vip".into()]),
                ..Default::default()
            }),
            tier: "Key".into(),
            flags: vec!["overdue_payment".into()],
            cell: Some("2,1".into()),
            ..Default::default()
        }
    }

    #[test]
    fn terms_compose() {
        let r = row();
        assert!(
            p("tier:key owner:li flag:overdue_payment region:east")
                .unwrap()
                .matches(&r)
        );
        assert!(!p("tier:key region:west").unwrap().matches(&r));
        assert!(p("acme tag:VIP").unwrap().matches(&r));
        assert!(p("cell:2,1").unwrap().matches(&r));
        assert!(!p("cell:2,0").unwrap().matches(&r));
        assert!(p("").unwrap().is_empty());
    }

    #[test]
    fn owner_is_the_owner_only_and_backup_the_backup() {
        let r = row();
        assert!(!p("owner:zhang").unwrap().matches(&r));
        assert!(p("backup:zhang").unwrap().matches(&r));
        assert!(!p("backup:li").unwrap().matches(&r));
    }

    #[test]
    fn unknown_tier_or_flag_is_an_error_naming_the_known_ones() {
        let e = p("tier:gold").unwrap_err();
        assert!(e.contains("no tier 'gold'"), "{e}");
        assert!(e.contains("key, development, opportunity"), "{e}");
        let e = p("flag:nope").unwrap_err();
        assert!(e.contains("no flag 'nope'"), "{e}");
        assert!(e.contains("overdue_payment"), "{e}");
        // Prefixes of known names are fine.
        assert!(p("tier:dev flag:overdue").is_ok());
        assert_eq!(p("cell:2,1").unwrap().cell(), Some((2, 1)));
    }

    #[test]
    fn who_is_owner_or_backup_by_whole_name() {
        let r = row();
        assert!(p("who:li.wei").unwrap().matches(&r));
        assert!(p("who:ZHANG").unwrap().matches(&r));
        assert!(!p("who:li").unwrap().matches(&r), "whole names only");
    }

    #[test]
    fn unknown_field_is_an_error() {
        let e = p("colour:red").unwrap_err();
        assert!(e.contains("unknown filter field 'colour'"), "{e}");
        assert!(p("tier:").is_err());
    }
}
