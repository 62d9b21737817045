//! Reading CSV rows: the header (columns by name, advice when the file
//! looks like another encoding or separator), one row's cells parsed with
//! `FILE:LINE: column: reason` errors, and the error list.

use super::{HeaderOptions, ImportErrors, ImportFailure, MAX_REPORTED};
use crate::domain::FieldError;
use crate::domain::text::{clean_line, clean_text};
use crate::transfer::columns::RecordKind;
use std::collections::HashMap;
use std::fmt;

/// Collects problems, keeping the first `MAX_REPORTED`.
pub(super) struct Errors<'a> {
    pub(super) file: &'a str,
    pub(super) list: ImportErrors,
}

impl<'a> Errors<'a> {
    pub(super) fn new(file: &'a str) -> Self {
        Errors {
            file,
            list: ImportErrors::default(),
        }
    }

    pub(super) fn push(&mut self, line: u64, column: &str, reason: impl fmt::Display) {
        if self.list.errors.len() < MAX_REPORTED {
            let file = self.file;
            self.list
                .errors
                .push(format!("{file}:{line}: {column}: {reason}"));
        } else {
            self.list.more += 1;
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.list.errors.is_empty()
    }

    pub(super) fn finish(self) -> ImportErrors {
        self.list
    }
}

/// The name of a column `--skip-unknown` ignores (in messages).
pub(super) const SKIPPED: &str = "(skipped column)";

/// What may help with an unknown header column: the whole header in one
/// column that holds another delimiter, or columns to map or skip.
pub(super) fn header_advice(text: &str, columns: usize, delimiter: u8) -> String {
    if columns == 1 {
        for (c, option) in [(';', "';'"), ('\t', "'\\t'"), (',', "','")] {
            if text.contains(c) && c as u8 != delimiter {
                return format!(
                    "\nthe whole header is one column containing {option}: try --delimiter {option}"
                );
            }
        }
    }
    "\nrename columns with --map 'Their Name=kam_name', or ignore them with --skip-unknown".into()
}

/// The header line: which known column each field holds.
pub(super) struct Header {
    pub(super) names: Vec<&'static str>,
    pub(super) index: HashMap<&'static str, usize>,
}

impl Header {
    pub(super) fn parse(
        kind: RecordKind,
        file: &str,
        record: &csv::ByteRecord,
        options: &HeaderOptions,
    ) -> Result<Self, ImportFailure> {
        for (_, to) in &options.map {
            if !kind.columns().contains(&to.as_str()) {
                return Err(ImportFailure::Header(format!(
                    "--map: '{to}' is not a column of {kind}; known columns: {}",
                    kind.columns().join(", ")
                )));
            }
        }
        let known = kind.columns();
        let mut names = Vec::with_capacity(record.len());
        let mut index = HashMap::new();
        for (i, raw) in record.iter().enumerate() {
            // Spreadsheets often start UTF-8 files with a byte-order mark.
            let raw = if i == 0 {
                raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw)
            } else {
                raw
            };
            let text = std::str::from_utf8(raw).map_err(|_| {
                ImportFailure::Header(format!("{file}:1: the header is not valid UTF-8"))
            })?;
            let given = text.trim().to_lowercase();
            let wanted = options
                .map
                .iter()
                .find(|(from, _)| *from == given)
                .map_or(given.clone(), |(_, to)| to.clone());
            let Some(&name) = known.iter().find(|k| **k == wanted) else {
                if options.skip_unknown {
                    names.push(SKIPPED);
                    continue;
                }
                return Err(ImportFailure::Header(format!(
                    "{file}:1: unknown column '{}' for {kind}; known columns: {}{}",
                    clean_line(text),
                    known.join(", "),
                    header_advice(text, record.len(), options.delimiter)
                )));
            };
            if index.insert(name, i).is_some() {
                return Err(ImportFailure::Header(format!(
                    "{file}:1: column '{name}' appears more than once"
                )));
            }
            names.push(name);
        }
        if let Some(missing) = kind.required().iter().find(|c| !index.contains_key(*c)) {
            return Err(ImportFailure::Header(format!(
                "{file}:1: missing required column '{missing}' (required for {kind}: {})",
                kind.required().join(", ")
            )));
        }
        Ok(Header { names, index })
    }
}

/// One data row being converted; problems are collected, not returned, so
/// that every bad cell of the row is reported.
pub(super) struct Row<'a> {
    pub(super) header: &'a Header,
    pub(super) fields: &'a [&'a str],
    pub(super) problems: Vec<(&'static str, String)>,
}

impl<'a> Row<'a> {
    /// The raw text of `column`, or `None` when the file has no such column.
    pub(super) fn get(&self, column: &str) -> Option<&'a str> {
        self.header.index.get(column).map(|&i| self.fields[i])
    }

    /// Parses `column` if present; a failure is recorded and gives `None`.
    pub(super) fn parse<T>(
        &mut self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let raw = self.get(column)?;
        match parse(raw) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.problems.push((column, reason));
                None
            }
        }
    }

    /// A required single-line value, cleaned; empty is a problem.
    pub(super) fn required(&mut self, column: &'static str) -> Option<String> {
        let v = clean_line(self.get(column).unwrap_or_default());
        if v.is_empty() {
            self.problems.push((column, "must not be empty".into()));
            None
        } else {
            Some(v)
        }
    }

    pub(super) fn set_line(&self, column: &str, target: &mut String) {
        if let Some(v) = self.get(column) {
            *target = clean_line(v);
        }
    }

    pub(super) fn set_text(&self, column: &str, target: &mut String) {
        if let Some(v) = self.get(column) {
            *target = clean_text(v);
        }
    }

    pub(super) fn invalid(&mut self, e: FieldError) {
        self.problems.push((e.field, e.reason));
    }

    pub(super) fn is_bad(&self) -> bool {
        !self.problems.is_empty()
    }
}

pub(super) fn parse_enum<T>(
    raw: &str,
    parse: fn(&str) -> Option<T>,
    what: &str,
    names: String,
) -> Result<T, String> {
    parse(raw).ok_or_else(|| {
        format!(
            "unknown {what} '{}' (expected one of: {names})",
            clean_line(raw)
        )
    })
}

/// Lifts a parser so that an empty cell means "absent".
pub(super) fn opt<T>(
    parse: impl Fn(&str) -> Result<T, String>,
) -> impl Fn(&str) -> Result<Option<T>, String> {
    move |s| {
        if s.trim().is_empty() {
            Ok(None)
        } else {
            parse(s).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::InteractionKind;
    use crate::transfer::columns::parse_date;

    #[test]
    fn error_list_is_capped_and_counts_the_rest() {
        let mut e = Errors::new("f.csv");
        for line in 2..(2 + MAX_REPORTED as u64 + 3) {
            e.push(line, "at", "bad");
        }
        let list = e.finish();
        assert_eq!(list.errors.len(), MAX_REPORTED);
        assert_eq!(list.more, 3);
        let text = list.to_string();
        assert!(text.starts_with("f.csv:2: at: bad\nf.csv:3: at: bad\n"));
        assert!(text.ends_with("f.csv:51: at: bad\n… and 3 more"));
    }

    #[test]
    fn empty_cells_are_absent_for_optional_parsers() {
        let p = opt(parse_date);
        assert_eq!(p(" "), Ok(None));
        assert!(p("2024-13-01").is_err());
        assert!(p("2024-12-01").unwrap().is_some());
    }

    #[test]
    fn enum_errors_list_the_names() {
        assert_eq!(
            parse_enum(
                "lunch",
                InteractionKind::parse,
                "kind",
                InteractionKind::names()
            )
            .unwrap_err(),
            format!(
                "unknown kind 'lunch' (expected one of: {})",
                InteractionKind::names()
            )
        );
    }
}
