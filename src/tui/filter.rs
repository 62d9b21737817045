//! Filter expressions for the account list: space-separated terms such as
//! `tier:key owner:li flag:overdue_payment region:east`; all must hold. A bare
//! word matches key or name. Matching is case-insensitive substring.

use super::view::AccountRow;

pub const FIELDS: [&str; 9] = [
    "tier", "owner", "flag", "region", "industry", "status", "tag", "key", "cell",
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

impl Filter {
    /// Parses an expression; an unknown field is an error naming the known ones.
    pub fn parse(expr: &str) -> Result<Filter, String> {
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
                    terms.push(Term::Field(field, v.to_lowercase()));
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

    pub fn matches(&self, row: &AccountRow) -> bool {
        self.terms.iter().all(|t| term_matches(t, row))
    }
}

fn has(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(needle)
}

fn term_matches(t: &Term, r: &AccountRow) -> bool {
    match t {
        Term::Word(w) => has(&r.key, w) || has(&r.name, w),
        Term::Field(f, v) => match *f {
            "tier" => has(&r.tier, v),
            "owner" => has(&r.owner, v) || has(&r.backup_owner, v),
            "flag" => r.flags.iter().any(|x| has(x, v)),
            "region" => has(&r.region, v),
            "industry" => has(&r.industry, v),
            "status" => has(&r.status, v),
            "tag" => r.tags.iter().any(|x| has(x, v)),
            "key" => has(&r.key, v),
            "cell" => r.cell.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(v)),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> AccountRow {
        AccountRow {
            key: "ACME-1".into(),
            name: "Acme Ltd".into(),
            owner: "li.wei".into(),
            tier: "Key".into(),
            region: "East".into(),
            flags: vec!["overdue_payment".into()],
            tags: vec!["vip".into()],
            cell: Some("2,1".into()),
            ..Default::default()
        }
    }

    #[test]
    fn terms_compose() {
        let r = row();
        assert!(
            Filter::parse("tier:key owner:li flag:overdue_payment region:east")
                .unwrap()
                .matches(&r)
        );
        assert!(!Filter::parse("tier:key region:west").unwrap().matches(&r));
        assert!(Filter::parse("acme tag:VIP").unwrap().matches(&r));
        assert!(Filter::parse("cell:2,1").unwrap().matches(&r));
        assert!(!Filter::parse("cell:2,0").unwrap().matches(&r));
        assert!(Filter::parse("").unwrap().is_empty());
    }

    #[test]
    fn unknown_field_is_an_error() {
        let e = Filter::parse("colour:red").unwrap_err();
        assert!(e.contains("unknown filter field 'colour'"), "{e}");
        assert!(Filter::parse("tier:").is_err());
    }
}
