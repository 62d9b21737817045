//! Keymap files: the embedded defaults merged with the user's file. Every
//! problem is reported with file, line and reason, and everything valid
//! still applies: unknown sections and actions, bad keys, a key bound twice
//! in a section, and a binding in a section where the action does nothing
//! (the action table says where each action works).

use super::actions::{Action, Context, Place};
use super::chord::KeySeq;
use super::map::Keymap;
use std::fmt;
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The embedded default keymap (also printed by `kam keymap print-default`).
pub const DEFAULT_KEYMAP: &str = include_str!("../../../keymap.toml");

/// A problem in a keymap file, with the 1-based line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeymapError {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for KeymapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)
    }
}

/// One parsed entry of a keymap file.
struct Entry {
    ctx: Context,
    action: Action,
    keys: Vec<(KeySeq, usize)>,
    line: usize,
    /// Written as an empty list on purpose: the action is unbound. An entry
    /// left without keys by errors is dropped instead, so the action keeps
    /// its default keys.
    unbind: bool,
}

impl Keymap {
    /// The embedded defaults alone.
    pub fn defaults() -> Keymap {
        Keymap::from_texts(None).0
    }

    /// Defaults merged with an optional user file (`name` is shown in errors).
    pub fn from_texts(user: Option<(&str, &str)>) -> (Keymap, Vec<KeymapError>) {
        let mut errors = Vec::new();
        let mut map = Keymap::default();
        for e in parse_file("keymap.toml (built-in)", DEFAULT_KEYMAP, &mut errors) {
            map.set(
                e.ctx,
                e.action,
                e.keys.into_iter().map(|(k, _)| k).collect(),
            );
        }
        if let Some((name, text)) = user {
            let defaults = map.clone();
            let start = errors.len();
            let mut user_keys = Vec::new();
            for e in parse_file(name, text, &mut errors) {
                // A user binding takes its key away from whichever default
                // action had it, so the user's intent wins.
                for (k, line) in &e.keys {
                    map.unbind(e.ctx, k);
                    user_keys.push((e.ctx, e.action, k.clone(), *line));
                }
                map.set(
                    e.ctx,
                    e.action,
                    e.keys.into_iter().map(|(k, _)| k).collect(),
                );
            }
            hidden_globals(&map, &defaults, name, &user_keys, &mut errors);
            errors[start..].sort_by_key(|e| e.line);
        }
        (map, errors)
    }

    /// Defaults merged with the user file at `path`, if it exists.
    pub fn load(path: Option<&Path>) -> (Keymap, Vec<KeymapError>) {
        let Some(path) = path else {
            return Keymap::from_texts(None);
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Keymap::from_texts(Some((&path.display().to_string(), &text))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Keymap::from_texts(None),
            Err(e) => {
                let (map, mut errs) = Keymap::from_texts(None);
                errs.push(KeymapError {
                    file: path.display().to_string(),
                    line: 0,
                    reason: format!("cannot read: {e}"),
                });
                (map, errs)
            }
        }
    }
}

/// A user key in a pane section that is (or overlaps) a `[global]` key of
/// another action takes that global key away in the pane: `[list] edit = "q"`
/// leaves only ctrl-c to quit from the list. It still applies (the user may
/// mean it) but is reported. Restated defaults are not reported: the
/// defaults shadow on purpose and a copied default file is not a problem.
fn hidden_globals(
    map: &Keymap,
    defaults: &Keymap,
    file: &str,
    user_keys: &[(Context, Action, KeySeq, usize)],
    errors: &mut Vec<KeymapError>,
) {
    for (ctx, action, k, line) in user_keys {
        if ctx.is_modal() || *ctx == Context::Global {
            continue;
        }
        let restated = defaults
            .bindings(*ctx)
            .iter()
            .any(|(a, ks)| a == action && ks.contains(k));
        if restated {
            continue;
        }
        for (global, gks) in map.bindings(Context::Global) {
            // Hiding a global key where its action does nothing anyway
            // (`h` for `left` in the list) costs nothing.
            let works_here = Place::pane(*ctx).is_some_and(|p| global.works(p));
            if global == action || !works_here {
                continue;
            }
            for t in gks {
                if !(t.starts_with(&k.0) || k.starts_with(&t.0)) {
                    continue;
                }
                let which = if t == k {
                    String::new()
                } else {
                    format!(" ('{t}')")
                };
                let left = match map.keys_for(*ctx, *global).first() {
                    Some(other) => format!("'{global}' still has '{other}' there"),
                    None => format!("'{global}' has no key there"),
                };
                errors.push(KeymapError {
                    file: file.to_string(),
                    line: *line,
                    reason: format!(
                        "'{k}' in [{}] hides the global '{global}'{which}; it applies, so {left}",
                        ctx.name()
                    ),
                });
            }
        }
    }
}

/// Validates a user keymap file for `kam keymap check`. A missing file is an
/// error here: the user asked to check it.
pub fn check(path: &Path) -> Vec<KeymapError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Keymap::from_texts(Some((&path.display().to_string(), &text))).1,
        Err(e) => vec![KeymapError {
            file: path.display().to_string(),
            line: 0,
            reason: format!("cannot read: {e}"),
        }],
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map(|s| s.matches('\n').count() + 1)
        .unwrap_or(1)
}

/// Parses one file into valid entries, pushing a located error for each bad
/// one: unknown section or action, bad key, one key bound twice in a section.
fn parse_file(name: &str, text: &str, all_errors: &mut Vec<KeymapError>) -> Vec<Entry> {
    let mut errors = Vec::new();
    let entries = parse_entries(name, text, &mut errors);
    errors.sort_by_key(|e| e.line);
    all_errors.extend(errors);
    entries
}

fn parse_entries(name: &str, text: &str, errors: &mut Vec<KeymapError>) -> Vec<Entry> {
    let err = |errors: &mut Vec<KeymapError>, offset: usize, reason: String| {
        errors.push(KeymapError {
            file: name.to_string(),
            line: line_of(text, offset),
            reason,
        });
    };
    let (doc, parse_errors) = DeTable::parse_recoverable(text);
    if !parse_errors.is_empty() {
        // What the parser recovered around a syntax error is guesswork
        // (a cut `[section` reads as an unknown section): report the syntax
        // errors alone and apply none of the file.
        for e in parse_errors {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            err(
                errors,
                at,
                format!(
                    "not valid TOML: {} (nothing in this file applies until it is fixed)",
                    e.message().trim()
                ),
            );
        }
        return Vec::new();
    }
    let mut entries = Vec::new();
    for (section, body) in doc.get_ref().iter() {
        let at = section.span().start;
        let Some(ctx) = Context::parse(section.get_ref()) else {
            let names: Vec<_> = Context::ALL.iter().map(|c| c.name()).collect();
            err(
                errors,
                at,
                format!(
                    "unknown section [{}] (expected one of: {})",
                    section.get_ref(),
                    names.join(", ")
                ),
            );
            continue;
        };
        let Some(table) = body.get_ref().as_table() else {
            err(errors, at, format!("'{}' must be a [section]", ctx.name()));
            continue;
        };
        let mut section_entries: Vec<Entry> = Vec::new();
        for (key, value) in table.iter() {
            let line = line_of(text, key.span().start);
            let Some(action) = Action::parse(key.get_ref()) else {
                err(
                    errors,
                    key.span().start,
                    format!(
                        "unknown action '{}' in [{}] (see `kam keymap print-default`)",
                        key.get_ref(),
                        ctx.name()
                    ),
                );
                continue;
            };
            if !action.works_from(ctx) {
                let sections: Vec<&str> = action.sections().iter().map(|c| c.name()).collect();
                err(
                    errors,
                    key.span().start,
                    format!(
                        "[{ctx}] {action}: this action does not work in {ctx} (it works in: {})",
                        sections.join(", "),
                        ctx = ctx.name()
                    ),
                );
                continue;
            }
            let unbind = matches!(value.get_ref(), DeValue::Array(items) if items.is_empty());
            let mut keys = Vec::new();
            for (s, off) in key_strings(value, errors, name, text) {
                match KeySeq::parse(&s) {
                    Ok(k) => keys.push((k, line_of(text, off))),
                    Err(reason) => err(errors, off, format!("{action}: {reason}")),
                }
            }
            section_entries.push(Entry {
                ctx,
                action,
                keys,
                line,
                unbind,
            });
        }
        drop_duplicates(name, ctx, &mut section_entries, errors);
        // An entry whose every key was bad says nothing valid: the action
        // keeps its default keys ("everything valid still applies").
        section_entries.retain(|e| e.unbind || !e.keys.is_empty());
        entries.extend(section_entries);
    }
    entries
}

/// The key strings of one value (a string or a list of strings) with their
/// byte offsets.
fn key_strings(
    value: &Spanned<DeValue<'_>>,
    errors: &mut Vec<KeymapError>,
    name: &str,
    text: &str,
) -> Vec<(String, usize)> {
    let bad = |errors: &mut Vec<KeymapError>, off: usize| {
        errors.push(KeymapError {
            file: name.to_string(),
            line: line_of(text, off),
            reason: "a binding must be a key string or a list of key strings".into(),
        });
    };
    match value.get_ref() {
        DeValue::String(s) => vec![(s.to_string(), value.span().start)],
        DeValue::Array(items) => {
            let mut out = Vec::new();
            for item in items.iter() {
                match item.get_ref() {
                    DeValue::String(s) => out.push((s.to_string(), item.span().start)),
                    _ => bad(errors, item.span().start),
                }
            }
            out
        }
        _ => {
            bad(errors, value.span().start);
            Vec::new()
        }
    }
}

/// A key bound to two actions in one section, or a key that is the prefix
/// of another's sequence (the longer one could never fire), is an error. The
/// clashing key is dropped from both entries: which one was meant is a
/// guess, and an entry left without keys falls back to the defaults.
fn drop_duplicates(name: &str, ctx: Context, entries: &mut [Entry], errors: &mut Vec<KeymapError>) {
    entries.sort_by_key(|e| e.line);
    // (entry index, key index) of every key in a clash.
    let mut clashing: Vec<(usize, usize)> = Vec::new();
    let all: Vec<(usize, usize)> = entries
        .iter()
        .enumerate()
        .flat_map(|(i, e)| (0..e.keys.len()).map(move |k| (i, k)))
        .collect();
    for (n, &(i, ki)) in all.iter().enumerate() {
        let (k, line) = &entries[i].keys[ki];
        let action = entries[i].action;
        // The first earlier key of another action it clashes with.
        let earlier = all[..n].iter().find(|&&(j, kj)| {
            let t = &entries[j].keys[kj].0;
            entries[j].action != action && (t.starts_with(&k.0) || k.starts_with(&t.0))
        });
        let Some(&(j, kj)) = earlier else {
            continue;
        };
        let (t, tline) = &entries[j].keys[kj];
        let other = entries[j].action;
        let what = if t == k {
            format!("key '{k}' is bound to both '{other}' (line {tline}) and '{action}'")
        } else {
            format!("key '{k}' of '{action}' overlaps '{t}' of '{other}' (line {tline})")
        };
        errors.push(KeymapError {
            file: name.to_string(),
            line: *line,
            reason: format!(
                "{what} in [{}]; ignored for both (an action left without keys keeps its default)",
                ctx.name()
            ),
        });
        clashing.extend([(i, ki), (j, kj)]);
    }
    for (i, e) in entries.iter_mut().enumerate() {
        let mut k = 0;
        e.keys.retain(|_| {
            let keep = !clashing.contains(&(i, k));
            k += 1;
            keep
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::chord::KeyChord;
    use super::super::map::Lookup;
    use super::*;

    fn key(s: &str) -> Vec<KeyChord> {
        KeySeq::parse(s).unwrap().0
    }

    #[test]
    fn default_keymap_is_clean() {
        let (_, errs) = Keymap::from_texts(None);
        assert!(errs.is_empty(), "{errs:?}");
    }

    #[test]
    fn a_pane_key_hiding_a_global_one_is_reported_and_applies() {
        let user = "[list]\nedit = \"q\"\nsort_next = \"g\"\nopen = \"enter\"\n";
        let (map, errs) = Keymap::from_texts(Some(("k.toml", user)));
        let msgs: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            msgs,
            vec![
                "k.toml:2: 'q' in [list] hides the global 'quit'; it applies, so 'quit' has no key there",
                "k.toml:3: 'g' in [list] hides the global 'top' ('g g'); it applies, so 'top' still has 'home' there",
            ],
            "open = enter restates a default: not reported"
        );
        assert_eq!(
            map.lookup(Context::List, &key("q")),
            Lookup::Action(Action::Edit)
        );
        // Elsewhere q still quits; binding the global action itself is fine.
        assert_eq!(
            map.lookup(Context::Agenda, &key("q")),
            Lookup::Action(Action::Quit)
        );
        let (_, errs) = Keymap::from_texts(Some(("k.toml", "[list]\nquit = \"x\"\n")));
        assert!(errs.is_empty(), "{errs:?}");
    }

    #[test]
    fn the_default_file_used_as_a_user_file_reports_nothing() {
        let (_, errs) = Keymap::from_texts(Some(("copy.toml", DEFAULT_KEYMAP)));
        assert!(errs.is_empty(), "{errs:?}");
        let (map, errs) = Keymap::from_texts(None);
        assert!(errs.is_empty(), "{errs:?}");
        let mut none = Vec::new();
        let all: Vec<_> = Context::ALL
            .iter()
            .flat_map(|c| {
                map.bindings(*c)
                    .iter()
                    .flat_map(move |(a, ks)| ks.iter().map(move |k| (*c, *a, k.clone(), 1)))
            })
            .collect();
        hidden_globals(&map, &Keymap::default(), "d", &all, &mut none);
        assert!(none.is_empty(), "the defaults hide no global key: {none:?}");
    }

    #[test]
    fn a_binding_where_the_action_does_nothing_is_rejected_and_the_rest_applies() {
        let user = "[matrix]\nmark_review = \"m\"\nmark_done = \"x\"\n[global]\nsave = \"ctrl-s\"\nmark_done = \"D\"\n";
        let (map, errs) = Keymap::from_texts(Some(("k.toml", user)));
        let msgs: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            msgs,
            vec![
                "k.toml:3: [matrix] mark_done: this action does not work in matrix (it works in: agenda)",
                "k.toml:5: [global] save: this action does not work in global (it works in: form)",
            ],
            "a [global] key reaches the agenda, so mark_done there is fine"
        );
        assert_eq!(map.lookup(Context::Matrix, &key("x")), Lookup::None);
        assert_eq!(
            map.lookup(Context::Matrix, &key("m")),
            Lookup::Action(Action::MarkReview)
        );
        assert_eq!(
            map.lookup(Context::Agenda, &key("D")),
            Lookup::Action(Action::MarkDone)
        );
        assert_eq!(map.lookup(Context::List, &key("ctrl-s")), Lookup::None);
    }

    #[test]
    fn hiding_a_global_key_that_does_nothing_in_the_pane_is_not_reported() {
        // `h` is the global `left`, which only the matrix handles.
        let (map, errs) = Keymap::from_texts(Some(("k.toml", "[list]\nedit = \"h\"\n")));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(
            map.lookup(Context::List, &key("h")),
            Lookup::Action(Action::Edit)
        );
        let (_, errs) = Keymap::from_texts(Some(("k.toml", "[matrix]\nmark_review = \"h\"\n")));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].reason.contains("hides the global 'left'"),
            "{errs:?}"
        );
    }
}
