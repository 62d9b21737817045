//! Likely duplicate accounts: the same name once case, punctuation and
//! legal-form suffixes are set aside, or contacts at the same company e-mail
//! domain. Accounts are grouped by a normalized key (one pass, no pairwise
//! comparison); a group of n accounts is reported as n − 1 pairs, each
//! with the group's first account by key, so the output stays linear too.

use super::{Book, Result};
use crate::domain::{Account, AccountId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Legal forms dropped from the end of a name (compared after lowercasing
/// and with dots and commas removed).
const LEGAL_FORMS: &[&str] = &[
    "gmbh",
    "ag",
    "kg",
    "ug",
    "ohg",
    "se",
    "mbh",
    "co",
    "gmbh & co",
    "ltd",
    "limited",
    "plc",
    "llc",
    "llp",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "company",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "ab",
    "as",
    "oy",
    "kk",
    "pty",
    "pvt",
    "股份有限公司",
    "有限公司",
    "株式会社",
];

/// Mail providers whose domain says nothing about the company.
const WEBMAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "msn.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "t-online.de",
    "mail.ru",
    "yandex.ru",
    "proton.me",
    "protonmail.com",
    "qq.com",
    "163.com",
    "126.com",
];

/// Why two accounts look alike.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "by", content = "value", rename_all = "snake_case")]
pub enum Likeness {
    /// The normalized name both share.
    Name(String),
    /// The company e-mail domain both have contacts at.
    Domain(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicatePair {
    pub first: String,
    pub first_name: String,
    pub second: String,
    pub second_name: String,
    pub likeness: Likeness,
}

/// The name without case, punctuation or trailing legal forms:
/// "ACME GmbH" and "Acme, Inc." are both "acme".
pub fn normalize_name(name: &str) -> String {
    let lower: String = name
        .to_lowercase()
        .chars()
        .map(|c| match c {
            '.' | ',' | '(' | ')' | '"' | '\'' => ' ',
            c => c,
        })
        .collect();
    let mut words: Vec<&str> = lower.split_whitespace().collect();
    loop {
        let before = words.len();
        // A legal form is a trailing word or two ("gmbh & co", "s a"), or a
        // suffix written together with the name ("某某有限公司").
        for n in [3, 2, 1] {
            if words.len() > n {
                let tail = words[words.len() - n..].join(" ");
                let joined = words[words.len() - n..].concat();
                if LEGAL_FORMS.contains(&tail.as_str()) || LEGAL_FORMS.contains(&joined.as_str()) {
                    words.truncate(words.len() - n);
                    break;
                }
            }
        }
        if let Some(last) = words.last_mut()
            && let Some(form) = LEGAL_FORMS
                .iter()
                .filter(|f| !f.is_ascii())
                .find(|f| last.ends_with(**f) && last.len() > f.len())
        {
            *last = &last[..last.len() - form.len()];
        }
        if words.len() == before {
            break;
        }
    }
    words.join(" ")
}

/// The domain of a company address; None for webmail and malformed ones.
pub fn company_domain(email: &str) -> Option<String> {
    let (_, domain) = email.trim().rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('.').to_lowercase();
    if !domain.contains('.') || WEBMAIL.contains(&domain.as_str()) {
        return None;
    }
    Some(domain)
}

impl Book {
    /// Pairs of accounts that are likely the same customer, by key.
    pub fn likely_duplicates(&self) -> Result<Vec<DuplicatePair>> {
        let mut groups: BTreeMap<Likeness, BTreeSet<(String, AccountId)>> = BTreeMap::new();
        let records = self.records()?;
        for a in records.values() {
            let n = normalize_name(&a.name);
            if !n.is_empty() {
                groups
                    .entry(Likeness::Name(n))
                    .or_default()
                    .insert((a.key.clone(), a.id));
            }
        }
        for c in self.store.contacts()? {
            if let (Some(d), Some(a)) = (company_domain(&c.email), records.get(&c.account)) {
                groups
                    .entry(Likeness::Domain(d))
                    .or_default()
                    .insert((a.key.clone(), a.id));
            }
        }
        let by_id: HashMap<AccountId, &Account> = records.iter().map(|(id, a)| (*id, a)).collect();
        let mut pairs = Vec::new();
        for (likeness, members) in groups {
            let mut it = members.iter();
            let Some((_, first)) = it.next() else {
                continue;
            };
            for (_, other) in it {
                let (a, b) = (by_id[first], by_id[other]);
                pairs.push(DuplicatePair {
                    first: a.key.clone(),
                    first_name: a.name.clone(),
                    second: b.key.clone(),
                    second_name: b.name.clone(),
                    likeness: likeness.clone(),
                });
            }
        }
        // A pair alike by name and by domain is listed once, by name.
        let mut seen = BTreeSet::new();
        pairs.retain(|p| seen.insert((p.first.clone(), p.second.clone())));
        pairs.sort_by(|x, y| (&x.first, &x.second).cmp(&(&y.first, &y.second)));
        Ok(pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_case_punctuation_and_legal_forms() {
        assert_eq!(normalize_name("ACME GmbH"), "acme");
        assert_eq!(normalize_name("Acme, Inc."), "acme");
        assert_eq!(normalize_name("Acme Ltd"), "acme");
        assert_eq!(
            normalize_name("Müller & Söhne GmbH & Co. KG"),
            "müller & söhne"
        );
        assert_eq!(normalize_name("Rivera S.A."), "rivera");
        assert_eq!(normalize_name("华为技术有限公司"), "华为技术");
        // a name that is only a legal form keeps it
        assert_eq!(normalize_name("AG"), "ag");
        assert_eq!(normalize_name("Acme Tools"), "acme tools");
    }

    #[test]
    fn webmail_is_no_company_domain() {
        assert_eq!(company_domain("a@Acme.COM"), Some("acme.com".into()));
        assert_eq!(company_domain("x@gmail.com"), None);
        assert_eq!(company_domain("no address"), None);
        assert_eq!(company_domain("a@localhost"), None);
    }
}
