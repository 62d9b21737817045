//! Overlays handle their own input: each changes itself in place and says
//! whether it stays, closes, or hands the app something to do next (select
//! an account, apply a filter, save a record). The app applies that reply;
//! nothing takes the overlay out and puts it back.

use super::super::effect::Effect;
use super::super::filter::{Filter, Vocab};
use super::super::forms::Form;
use super::super::keymap::{Action, Context, Keymap};
use super::super::state::{Overlay, Search, Tone};
use crate::domain::AccountId;
use chrono::NaiveDate;

/// What an overlay reads besides itself.
pub struct Ctx<'a> {
    pub keymap: &'a Keymap,
    pub tiers: &'a [String],
    pub page: usize,
    pub today: NaiveDate,
    pub user: &'a str,
}

/// What the app does after the overlay handled an action.
#[derive(Debug, Default)]
pub struct Reply {
    pub close: bool,
    pub say: Option<(Tone, String)>,
    pub then: Option<Then>,
}

// One per key press, used at once (as `Effect`).
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Then {
    Select(AccountId),
    Filter(Filter),
    Effect(Effect),
    /// Apply a saved view's filter and sort to the list.
    View(crate::book::views::SavedView),
    /// Open this form (a key date picked in its window).
    Form(Box<Form>),
}

impl Reply {
    pub(super) fn stay() -> Reply {
        Reply::default()
    }
    fn close() -> Reply {
        Reply {
            close: true,
            ..Reply::default()
        }
    }
    pub(super) fn say(mut self, tone: Tone, text: impl Into<String>) -> Reply {
        self.say = Some((tone, text.into()));
        self
    }
}

impl Overlay {
    /// Handles one action; every action is the overlay's while it is open.
    pub fn handle(&mut self, action: Action, ctx: &Ctx) -> Reply {
        match self {
            Overlay::Help { scroll } => match action {
                Action::Help | Action::Back | Action::Quit => Reply::close(),
                Action::Up => {
                    *scroll = scroll.saturating_sub(1);
                    Reply::stay()
                }
                Action::Down => {
                    *scroll += 1;
                    Reply::stay()
                }
                _ => Reply::stay(),
            },
            Overlay::History { lines, scroll, .. } => {
                if matches!(
                    action,
                    Action::History | Action::Back | Action::Cancel | Action::Quit | Action::Help
                ) {
                    return Reply::close();
                }
                *scroll = scrolled(*scroll, lines.len(), action, ctx.page);
                Reply::stay()
            }
            Overlay::Notice { lines, scroll, .. } => {
                if matches!(
                    action,
                    Action::Messages
                        | Action::Back
                        | Action::Cancel
                        | Action::Quit
                        | Action::Help
                        | Action::Yes
                        | Action::No
                ) {
                    return Reply::close();
                }
                *scroll = scrolled(*scroll, lines.len(), action, ctx.page);
                Reply::stay()
            }
            Overlay::Search(s) => search(s, action),
            Overlay::Review(run) => run.handle(action),
            Overlay::Merge(view) => view.handle(action),
            Overlay::Bulk(b) => b.handle(action),
            Overlay::ViewName(p) => p.handle(action),
            Overlay::Views(l) => l.handle(action),
            Overlay::KeyDates(l) => l.handle(action),
            Overlay::Filter { input, error } => match action {
                Action::Cancel => Reply::close(),
                Action::Accept => match Filter::parse(input.text(), Vocab { tiers: ctx.tiers }) {
                    Ok(f) => Reply {
                        close: true,
                        then: Some(Then::Filter(f)),
                        ..Reply::default()
                    },
                    Err(e) => {
                        *error = Some(e);
                        Reply::stay()
                    }
                },
                _ => Reply::stay(),
            },
            Overlay::Form {
                form,
                confirm_discard,
            } => {
                if *confirm_discard {
                    if action == Action::Yes {
                        return Reply::close().say(Tone::Info, "Changes discarded");
                    }
                    *confirm_discard = false;
                    return Reply::stay();
                }
                if action == Action::Cancel {
                    if form.is_dirty() {
                        *confirm_discard = true;
                        return Reply::stay();
                    }
                    return Reply::close();
                }
                form_action(form, action, ctx)
            }
        }
    }
}

fn scrolled(scroll: u16, len: usize, action: Action, page: usize) -> u16 {
    let page = page as u16;
    let last = len.saturating_sub(1) as u16;
    match action {
        Action::Up => scroll.saturating_sub(1),
        Action::Down => scroll.saturating_add(1).min(last),
        Action::PageUp => scroll.saturating_sub(page),
        Action::PageDown => scroll.saturating_add(page).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => scroll,
    }
}

fn search(s: &mut Search, action: Action) -> Reply {
    match action {
        Action::Cancel => Reply::close(),
        Action::Accept => match s.results.get(s.selected) {
            Some(row) if s.merge_into == Some(row.id) => {
                Reply::stay().say(Tone::Info, "Pick the duplicate, not the account itself")
            }
            Some(row) if let Some(keep) = s.merge_into => Reply {
                close: true,
                then: Some(Then::Effect(Effect::PlanMerge { keep, drop: row.id })),
                ..Reply::default()
            },
            Some(row) => Reply {
                close: true,
                then: Some(Then::Select(row.id)),
                ..Reply::default()
            },
            None => Reply::close().say(Tone::Info, "No match"),
        },
        Action::Up => {
            s.selected = s.selected.saturating_sub(1);
            Reply::stay()
        }
        Action::Down => {
            s.selected = (s.selected + 1).min(s.results.len().saturating_sub(1));
            Reply::stay()
        }
        _ => Reply::stay(),
    }
}

fn form_action(form: &mut Form, action: Action, ctx: &Ctx) -> Reply {
    match action {
        Action::Save => match form.submit(ctx.today, ctx.user) {
            // The form stays open until the write succeeds, so a failed
            // save loses nothing. The effect carries the record and the
            // base it was edited from.
            Ok(record) => Reply {
                then: Some(Then::Effect(Effect::Save {
                    record,
                    base: form.base_account().cloned(),
                    completes: form.completes,
                })),
                ..Reply::default()
            },
            Err(_) => {
                let n = form.conflicts();
                if n > 0 {
                    Reply::stay().say(Tone::Error, conflict_hint(ctx.keymap, n))
                } else {
                    Reply::stay().say(Tone::Error, "Fix the marked fields, then save again")
                }
            }
        },
        Action::KeepMine | Action::TakeTheirs => {
            let theirs = action == Action::TakeTheirs;
            if !form.resolve_focused(theirs) {
                return Reply::stay().say(Tone::Info, "No conflict on this field");
            }
            let left = form.conflicts();
            form.next_conflict();
            let which = if theirs { "their" } else { "your" };
            if left == 0 {
                let save = ctx.keymap.hint(Context::Form, Action::Save);
                Reply::stay().say(
                    Tone::Ok,
                    format!(
                        "Kept {which} value; no conflicts left — save with {}",
                        save.unwrap_or_else(|| "save".into())
                    ),
                )
            } else {
                Reply::stay().say(
                    Tone::Info,
                    format!("Kept {which} value; {left} conflicts left"),
                )
            }
        }
        Action::NextField => {
            form.next_field();
            Reply::stay()
        }
        Action::PrevField => {
            form.prev_field();
            Reply::stay()
        }
        _ => Reply::stay(),
    }
}

/// How to settle conflicting fields, with the keys in force.
pub fn conflict_hint(keymap: &Keymap, n: usize) -> String {
    let key = |a| {
        keymap
            .hint(Context::Form, a)
            .unwrap_or_else(|| a.name().to_string())
    };
    format!(
        "{n} field{} changed by someone else too: {} keep mine · {} take theirs (or edit), then save",
        if n == 1 { " was" } else { "s were" },
        key(Action::KeepMine),
        key(Action::TakeTheirs)
    )
}
