//! Reading files written by other programs: their text encoding (UTF-8
//! with or without BOM, GB18030/GBK from a spreadsheet on a Chinese system,
//! UTF-16 with BOM as Excel's "Unicode text" writes it), their delimiter
//! (`;` from a European Excel, tabs) and their column names (`--map`).

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// How `kam import` reads a file (all defaults: detect).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadOptions {
    pub encoding: Option<Encoding>,
    pub delimiter: Option<u8>,
    /// `From=to,Other From=to`: the file's column names to kam's.
    pub map: Option<String>,
    /// Ignore columns kam does not know.
    pub skip_unknown: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Encoding {
    Utf8,
    Gb18030,
    Gbk,
    /// UTF-16, byte order from the BOM (little-endian without one).
    Utf16,
}

impl std::str::FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "gb18030" => Ok(Encoding::Gb18030),
            "gbk" | "gb2312" | "cp936" => Ok(Encoding::Gbk),
            "utf-16" | "utf16" | "utf-16le" | "utf-16be" => Ok(Encoding::Utf16),
            other => Err(format!(
                "unknown encoding '{other}' (expected utf-8, gb18030, gbk or utf-16)"
            )),
        }
    }
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Gb18030 => "gb18030",
            Encoding::Gbk => "gbk",
            Encoding::Utf16 => "utf-16",
        }
    }
}

/// `,` `;` or a tab, as typed (`'\t'`, `tab`, or a real tab).
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "," => Ok(b','),
        ";" => Ok(b';'),
        "\t" | "\\t" | "tab" | "TAB" => Ok(b'\t'),
        other => Err(format!(
            "unsupported delimiter '{other}' (expected ',', ';' or '\\t')"
        )),
    }
}

/// The file's bytes as UTF-8 (or, undecided, as given: the importer then
/// reports each line that is not UTF-8, and `hint` says which option to try).
pub struct Decoded<'a> {
    pub bytes: Cow<'a, [u8]>,
    /// Set when the bytes are not valid UTF-8 and no encoding was named.
    pub hint: Option<String>,
}

/// Decodes `raw`; an error names the first line that is not valid in the
/// named encoding.
pub fn decode<'a>(raw: &'a [u8], encoding: Option<Encoding>) -> Result<Decoded<'a>, String> {
    let bom = encoding_rs::Encoding::for_bom(raw);
    let named = match encoding {
        Some(Encoding::Utf8) => Some(encoding_rs::UTF_8),
        Some(Encoding::Gb18030) => Some(encoding_rs::GB18030),
        // encoding_rs decodes GBK as GB18030 (its superset), as browsers do.
        Some(Encoding::Gbk) => Some(encoding_rs::GBK),
        Some(Encoding::Utf16) => match bom {
            Some((e, _)) if e == encoding_rs::UTF_16BE => Some(encoding_rs::UTF_16BE),
            _ => Some(encoding_rs::UTF_16LE),
        },
        None => bom.map(|(e, _)| e),
    };
    let Some(enc) = named else {
        // No BOM, no name: UTF-8 as before, checked line by line.
        let hint = std::str::from_utf8(raw).is_err().then(|| suspect(raw));
        return Ok(Decoded {
            bytes: Cow::Borrowed(raw),
            hint,
        });
    };
    let body = match bom {
        Some((e, len)) if e == enc => &raw[len..],
        _ => raw,
    };
    match enc.decode_without_bom_handling_and_without_replacement(body) {
        Some(text) => Ok(Decoded {
            bytes: Cow::Owned(text.into_owned().into_bytes()),
            hint: None,
        }),
        None => Err(format!(
            "line {}: not valid {} text{}",
            first_bad_line(body, enc),
            encoding.map_or(enc.name(), Encoding::as_str),
            match suspect(raw) {
                s if s.contains("--encoding") => format!("; {s}"),
                _ => String::new(),
            }
        )),
    }
}

/// Which encoding a file that is not UTF-8 probably has, as advice
/// (from the whole file, or from a row of it).
pub fn suspect(raw: &[u8]) -> String {
    let zeros = raw.iter().filter(|b| **b == 0).count();
    if zeros * 4 > raw.len() {
        return "this file looks like UTF-16: try --encoding utf-16".into();
    }
    if let Some(text) =
        encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(raw)
        && text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
    {
        return "this file looks like GB18030 (a spreadsheet saved on a Chinese system): \
                try --encoding gb18030"
            .into();
    }
    "the file is not UTF-8: name its encoding with --encoding (utf-8, gb18030, gbk, utf-16)".into()
}

/// 1-based line of the first byte sequence `enc` cannot decode.
fn first_bad_line(body: &[u8], enc: &'static encoding_rs::Encoding) -> usize {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(body.len() * 3 + 16);
    // Decoding stops at the first malformed sequence: the lines before it
    // are what came out.
    let _ = decoder.decode_to_string_without_replacement(body, &mut out, true);
    out.matches('\n').count() + 1
}

/// The delimiter: as given, else `;` or tab when the header line has more
/// of them than commas.
pub fn delimiter(text: &[u8], given: Option<u8>) -> u8 {
    if let Some(d) = given {
        return d;
    }
    let header = text.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |c: u8| header.iter().filter(|b| **b == c).count();
    let (commas, semis, tabs) = (count(b','), count(b';'), count(b'\t'));
    if tabs > commas && tabs >= semis {
        b'\t'
    } else if semis > commas {
        b';'
    } else {
        b','
    }
}

/// Parses `--map 'Company=name,Account Owner=owner'` into (file column,
/// kam column) pairs, the file's side lowercased for matching.
pub fn parse_map(spec: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for part in spec.split(',').filter(|p| !p.trim().is_empty()) {
        let (from, to) = part
            .split_once('=')
            .ok_or_else(|| format!("--map: '{part}' is not FROM=TO"))?;
        let (from, to) = (from.trim(), to.trim());
        if from.is_empty() || to.is_empty() {
            return Err(format!("--map: '{part}' is not FROM=TO"));
        }
        pairs.push((from.to_lowercase(), to.to_ascii_lowercase()));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boms_are_detected() {
        let utf8 = b"\xEF\xBB\xBFkey,name\n";
        assert_eq!(&*decode(utf8, None).unwrap().bytes, b"key,name\n");
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("键,name\n".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(&*decode(&le, None).unwrap().bytes, "键,name\n".as_bytes());
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("k\n".encode_utf16().flat_map(|u| u.to_be_bytes()))
            .collect();
        assert_eq!(&*decode(&be, Some(Encoding::Utf16)).unwrap().bytes, b"k\n");
    }

    #[test]
    fn gbk_bytes_decode_when_named_and_are_suspected_when_not() {
        // "华为" in GBK.
        let raw = b"key,name\nHW,\xBB\xAA\xCE\xAA\n";
        let d = decode(raw, Some(Encoding::Gbk)).unwrap();
        assert_eq!(&*d.bytes, "key,name\nHW,华为\n".as_bytes());
        let d = decode(raw, Some(Encoding::Gb18030)).unwrap();
        assert_eq!(&*d.bytes, "key,name\nHW,华为\n".as_bytes());
        let d = decode(raw, None).unwrap();
        assert!(d.hint.unwrap().contains("--encoding gb18030"));
        assert!(decode(b"ok\n", None).unwrap().hint.is_none());
    }

    #[test]
    fn bad_bytes_in_a_named_encoding_name_the_line() {
        let e = decode(b"a\nb\n\xFF\xFF\n", Some(Encoding::Utf8))
            .err()
            .unwrap();
        assert!(e.starts_with("line 3: not valid utf-8"), "{e}");
    }

    #[test]
    fn delimiters_are_detected_from_the_header() {
        assert_eq!(delimiter(b"key;name;owner\nA;b,c;d\n", None), b';');
        assert_eq!(delimiter(b"key\tname\n", None), b'\t');
        assert_eq!(delimiter(b"key,name\n", None), b',');
        assert_eq!(delimiter(b"key;name\n", Some(b',')), b',');
        assert_eq!(parse_delimiter("\\t"), Ok(b'\t'));
        assert!(parse_delimiter("|").is_err());
    }

    #[test]
    fn maps_parse() {
        assert_eq!(
            parse_map("Company=name, Account Owner=owner").unwrap(),
            vec![
                ("company".to_string(), "name".to_string()),
                ("account owner".to_string(), "owner".to_string())
            ]
        );
        assert!(parse_map("Company").is_err());
    }
}
