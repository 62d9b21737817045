//! Company naming: a Chinese or English name, key prefix, e-mail domain,
//! phone code, place and region for one account.

use super::names::{self, Industry};
use super::rng::Rng;

/// Language and naming material of one company.
pub(super) struct Company {
    pub(super) zh: bool,
    pub(super) name: String,
    pub(super) key_prefix: String,
    pub(super) domain: String,
    pub(super) phone_code: &'static str,
    pub(super) place: &'static str,
    pub(super) region: &'static str,
    pub(super) industry: &'static Industry,
}

pub(super) fn company(r: &mut Rng) -> Company {
    let industry = r.pick(names::INDUSTRIES);
    if r.chance(0.5) {
        let (place, place_py, region) = *r.pick(names::CN_PLACES);
        let (stem, stem_py) = *r.pick(names::CN_STEMS);
        let suffix = *r.pick(names::CN_SUFFIXES);
        let (word, word_py) = industry.cn_word;
        // Some names carry no brand word, like 华东精密机械有限公司.
        let with_stem = r.chance(0.7);
        let name = if with_stem {
            format!("{place}{stem}{word}{suffix}")
        } else {
            format!("{place}{word}{suffix}")
        };
        let initials: String = [place_py, if with_stem { stem_py } else { word_py }, word_py]
            .iter()
            .filter_map(|s| s.chars().next())
            .collect();
        Company {
            zh: true,
            name,
            key_prefix: initials.to_ascii_uppercase(),
            domain: format!("{stem_py}{place_py}.com.cn"),
            phone_code: "+86",
            place,
            region,
            industry,
        }
    } else {
        let stem = *r.pick(names::EN_STEMS);
        let (suffix, code) = *r.pick(names::EN_SUFFIXES);
        let word = industry.en_word;
        let region = if r.chance(0.85) {
            "overseas"
        } else {
            *r.pick(&["east", "south", "north"])
        };
        let first_word = word.split(' ').next().unwrap_or(word);
        let prefix: String = stem
            .chars()
            .take(2)
            .chain(first_word.chars().take(1))
            .collect();
        Company {
            zh: false,
            name: format!("{stem} {word} {suffix}"),
            key_prefix: prefix.to_ascii_uppercase(),
            domain: format!("{}-{}.com", ascii_fold(stem), ascii_fold(first_word)),
            phone_code: code,
            place: stem,
            region,
            industry,
        }
    }
}

/// Lowercase ASCII for e-mail addresses and domains.
pub(super) fn ascii_fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'ä' | 'á' | 'à' => Some('a'),
            'ö' | 'ó' => Some('o'),
            'ü' | 'ú' => Some('u'),
            'é' | 'è' => Some('e'),
            'í' => Some('i'),
            'ñ' => Some('n'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}
