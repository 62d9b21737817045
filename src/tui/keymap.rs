//! Key bindings: one table of actions (name + description) feeds the keymap,
//! the help overlay and the hint bar, so none of them is written by hand.
//!
//! The default bindings live in `keymap.toml` at the repository top, embedded
//! here. A user file overrides them per action and per context section.
//! Every problem is reported with file, line and reason; valid entries apply.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The embedded default keymap (also printed by `kam keymap print-default`).
pub const DEFAULT_KEYMAP: &str = include_str!("../../keymap.toml");

/// Declares the `Action` enum with stable snake_case names and one-line
/// descriptions.
macro_rules! actions {
    ($($var:ident => $name:literal, $desc:literal;)+) => {
        /// Everything a key can ask the app to do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($var),+ }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$var),+];

            /// The stable name used in keymap files.
            pub fn name(self) -> &'static str {
                match self { $(Action::$var => $name),+ }
            }

            /// One line for the help overlay.
            pub fn description(self) -> &'static str {
                match self { $(Action::$var => $desc),+ }
            }

            pub fn parse(s: &str) -> Option<Action> {
                match s { $($name => Some(Action::$var),)+ _ => None }
            }
        }
    };
}

actions! {
    Quit => "quit", "Quit kam";
    Help => "help", "Show or hide this help";
    NextPane => "next_pane", "Focus the next pane";
    PrevPane => "prev_pane", "Focus the previous pane";
    ShowAccounts => "show_accounts", "Show the account list";
    ShowProfile => "show_profile", "Show the profile";
    ShowTimeline => "show_timeline", "Show the timeline";
    ShowMatrix => "show_matrix", "Show the tier matrix";
    ShowAgenda => "show_agenda", "Show the agenda";
    Search => "search", "Fuzzy search accounts";
    Filter => "filter", "Filter accounts (tier:key owner:li flag:overdue_payment region:east)";
    ClearFilter => "clear_filter", "Clear the filter";
    NewAccount => "new_account", "New account";
    Up => "up", "Move up";
    Down => "down", "Move down";
    Left => "left", "Move left";
    Right => "right", "Move right";
    Top => "top", "Go to the first row";
    Bottom => "bottom", "Go to the last row";
    PageUp => "page_up", "Page up";
    PageDown => "page_down", "Page down";
    Back => "back", "Back to the account list";
    Open => "open", "Open the selection";
    SortNext => "sort_next", "Sort by the next column";
    SortReverse => "sort_reverse", "Reverse the sort order";
    Edit => "edit", "Edit the account";
    AddInteraction => "add_interaction", "Add an interaction (order, call, ...)";
    AddContact => "add_contact", "Add a contact";
    AddFollowup => "add_followup", "Add a follow-up";
    LogTouch => "log_touch", "Log a touch (call, visit, ...)";
    FilterKind => "filter_kind", "Show the next kind of entry only";
    MarkReview => "mark_review", "Mark the tier review done";
    MarkDone => "mark_done", "Mark the follow-up done";
    SnoozeDay => "snooze_day", "Snooze for a day";
    SnoozeWeek => "snooze_week", "Snooze for a week";
    Save => "save", "Save the form";
    Cancel => "cancel", "Cancel";
    NextField => "next_field", "Next field";
    PrevField => "prev_field", "Previous field";
    Accept => "accept", "Accept";
    Yes => "yes", "Yes";
    No => "no", "No";
    Undo => "undo", "Undo your own last change";
    History => "history", "Show the account's change history";
    KeepMine => "keep_mine", "Conflict: keep my value for this field";
    TakeTheirs => "take_theirs", "Conflict: take their value for this field";
    FilterCell => "filter_cell", "List the accounts of this cell";
    Messages => "messages", "Show the recent status messages";
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a key is pressed; each has a section in the keymap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    List,
    Profile,
    Timeline,
    Matrix,
    Agenda,
    Form,
    Search,
    Confirm,
}

impl Context {
    pub const ALL: [Context; 9] = [
        Context::Global,
        Context::List,
        Context::Profile,
        Context::Timeline,
        Context::Matrix,
        Context::Agenda,
        Context::Form,
        Context::Search,
        Context::Confirm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::List => "list",
            Context::Profile => "profile",
            Context::Timeline => "timeline",
            Context::Matrix => "matrix",
            Context::Agenda => "agenda",
            Context::Form => "form",
            Context::Search => "search",
            Context::Confirm => "confirm",
        }
    }

    pub fn parse(s: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == s)
    }

    /// Modal contexts take all keys: typed text must not trigger `[global]`.
    pub fn is_modal(self) -> bool {
        matches!(self, Context::Form | Context::Search | Context::Confirm)
    }
}

/// One key press with its modifiers, normalised so that a shifted letter is
/// just the capital letter and ctrl-letters are lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const MODS: KeyModifiers = KeyModifiers::CONTROL
    .union(KeyModifiers::ALT)
    .union(KeyModifiers::SHIFT);

impl KeyChord {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        let mut mods = mods & MODS;
        let mut code = code;
        match code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    code = KeyCode::Char(c.to_ascii_lowercase());
                }
            }
            KeyCode::BackTab => mods.remove(KeyModifiers::SHIFT),
            _ => {}
        }
        KeyChord { code, mods }
    }

    pub fn from_event(ev: &KeyEvent) -> Self {
        KeyChord::new(ev.code, ev.modifiers)
    }

    /// Parses `j`, `G`, `ctrl-s`, `shift-tab`, `pagedown`, `f5`, `-`.
    pub fn parse(s: &str) -> Result<KeyChord, String> {
        if s.is_empty() {
            return Err("empty key".into());
        }
        let mut rest = s;
        let mut mods = KeyModifiers::NONE;
        loop {
            // A single remaining character is the key itself, even `-`.
            if rest.chars().count() <= 1 {
                break;
            }
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[len..];
        }
        if rest.is_empty() {
            return Err(format!("'{s}' has a modifier but no key"));
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_control() => {
                return Err(format!("'{s}' is a control character"));
            }
            (Some(c), None) => {
                if mods.contains(KeyModifiers::SHIFT) && c.is_ascii_lowercase() {
                    KeyCode::Char(c.to_ascii_uppercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            _ => named_key(&rest.to_ascii_lowercase())
                .ok_or_else(|| format!("'{s}' is not a key name"))?,
        };
        if code == KeyCode::Tab && mods.contains(KeyModifiers::SHIFT) {
            return Ok(KeyChord::new(KeyCode::BackTab, mods));
        }
        Ok(KeyChord::new(code, mods))
    }
}

fn named_key(s: &str) -> Option<KeyCode> {
    Some(match s {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "insert" => KeyCode::Insert,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "space" => KeyCode::Char(' '),
        _ => {
            let n: u8 = s.strip_prefix('f')?.parse().ok()?;
            if (1..=12).contains(&n) {
                KeyCode::F(n)
            } else {
                return None;
            }
        }
    })
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("backtab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pageup"),
            KeyCode::PageDown => f.write_str("pagedown"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A key or a sequence of keys (`g g`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeySeq(pub Vec<KeyChord>);

impl KeySeq {
    pub fn parse(s: &str) -> Result<KeySeq, String> {
        // A lone " " would otherwise split into nothing.
        if s == " " {
            return Ok(KeySeq(vec![KeyChord::new(
                KeyCode::Char(' '),
                KeyModifiers::NONE,
            )]));
        }
        let chords = s
            .split_whitespace()
            .map(KeyChord::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if chords.is_empty() {
            return Err("empty key".into());
        }
        Ok(KeySeq(chords))
    }

    fn starts_with(&self, prefix: &[KeyChord]) -> bool {
        self.0.len() >= prefix.len() && self.0[..prefix.len()] == *prefix
    }
}

impl fmt::Display for KeySeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, k) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{k}")?;
        }
        Ok(())
    }
}

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

/// What the keys typed so far mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// The start of a longer sequence: wait for the next key.
    Prefix,
    None,
}

/// Bindings per context, in action-table order (help and hints follow it).
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    bindings: HashMap<Context, Vec<(Action, Vec<KeySeq>)>>,
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

    fn set(&mut self, ctx: Context, action: Action, keys: Vec<KeySeq>) {
        let list = self.bindings.entry(ctx).or_default();
        list.retain(|(a, _)| *a != action);
        list.push((action, keys));
        list.sort_by_key(|(a, _)| *a);
    }

    fn unbind(&mut self, ctx: Context, key: &KeySeq) {
        if let Some(list) = self.bindings.get_mut(&ctx) {
            for (_, keys) in list.iter_mut() {
                keys.retain(|k| k != key);
            }
        }
    }

    /// The bindings of one context section, in action order.
    pub fn bindings(&self, ctx: Context) -> &[(Action, Vec<KeySeq>)] {
        self.bindings.get(&ctx).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The keys that trigger `action` in `ctx` (including `[global]` ones
    /// for non-modal contexts, unless the context rebinds that key).
    pub fn keys_for(&self, ctx: Context, action: Action) -> Vec<&KeySeq> {
        let mut out: Vec<&KeySeq> = self
            .bindings(ctx)
            .iter()
            .filter(|(a, _)| *a == action)
            .flat_map(|(_, ks)| ks.iter())
            .collect();
        if !ctx.is_modal() && ctx != Context::Global {
            for (a, ks) in self.bindings(Context::Global) {
                if *a == action {
                    out.extend(
                        ks.iter()
                            .filter(|k| self.lookup_in(ctx, &k.0) == Lookup::None),
                    );
                }
            }
        }
        out
    }

    /// The first key for `action` in `ctx`, for hints (`?` → "? help").
    pub fn hint(&self, ctx: Context, action: Action) -> Option<String> {
        self.keys_for(ctx, action).first().map(|k| k.to_string())
    }

    fn lookup_in(&self, ctx: Context, typed: &[KeyChord]) -> Lookup {
        let mut prefix = false;
        for (a, keys) in self.bindings(ctx) {
            for k in keys {
                if k.0 == typed {
                    return Lookup::Action(*a);
                }
                if k.starts_with(typed) {
                    prefix = true;
                }
            }
        }
        if prefix { Lookup::Prefix } else { Lookup::None }
    }

    /// Resolves the keys typed so far in `ctx`, falling back to `[global]`
    /// outside modal contexts.
    pub fn lookup(&self, ctx: Context, typed: &[KeyChord]) -> Lookup {
        match self.lookup_in(ctx, typed) {
            Lookup::None if !ctx.is_modal() && ctx != Context::Global => {
                self.lookup_in(Context::Global, typed)
            }
            found => found,
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
            if global == action {
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
    use super::*;

    fn key(s: &str) -> Vec<KeyChord> {
        KeySeq::parse(s).unwrap().0
    }

    #[test]
    fn default_keymap_is_clean() {
        let (map, errs) = Keymap::from_texts(None);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(
            map.lookup(Context::List, &key("j")),
            Lookup::Action(Action::Down)
        );
        assert_eq!(map.lookup(Context::List, &key("g")), Lookup::Prefix);
        assert_eq!(
            map.lookup(Context::List, &key("g g")),
            Lookup::Action(Action::Top)
        );
        // Modal contexts do not fall through to [global]: `q` is typed text.
        assert_eq!(map.lookup(Context::Form, &key("q")), Lookup::None);
        assert_eq!(
            map.lookup(Context::Form, &key("ctrl-s")),
            Lookup::Action(Action::Save)
        );
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
    fn key_names_round_trip() {
        for s in [
            "j", "G", "ctrl-s", "backtab", "pagedown", "f5", "-", "space", "alt-x",
        ] {
            assert_eq!(KeyChord::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(KeyChord::parse("shift-tab").unwrap().code, KeyCode::BackTab);
        assert_eq!(KeyChord::parse("shift-g").unwrap().code, KeyCode::Char('G'));
        assert_eq!(KeyChord::parse("ctrl--").unwrap().code, KeyCode::Char('-'));
        assert!(KeyChord::parse("ctrl-").is_err());
        assert!(KeyChord::parse("hyper").is_err());
        assert!(KeyChord::parse("f13").is_err());
    }

    #[test]
    fn shifted_letters_match_capitals() {
        let typed = KeyChord::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(typed, KeyChord::parse("G").unwrap());
        let ctrl = KeyChord::new(KeyCode::Char('S'), KeyModifiers::CONTROL);
        assert_eq!(ctrl, KeyChord::parse("ctrl-s").unwrap());
    }

    #[test]
    fn every_action_has_a_unique_name() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.name()), Some(*a));
            assert!(!a.description().is_empty());
        }
    }
}
