//! The account's key dates in a small window (K in the profile): pick one
//! to edit (the key date form) or delete (after a yes), or add one. The
//! writes are the book's `SaveKeyDate` / `DeleteKeyDate`, so undo takes
//! them back like any other change.

use super::super::effect::Effect;
use super::super::forms::Form;
use super::super::keymap::{Action, Context, Place};
use super::super::panes::block;
use super::super::state::{State, Tone};
use super::super::text::{fit, safe};
use super::centered;
use super::keys::{Reply, Then};
use crate::domain::{AccountId, KeyDate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

#[derive(Debug, Clone, PartialEq)]
pub struct KeyDateList {
    pub account: AccountId,
    /// "KEY Name", for titles.
    pub label: String,
    /// By date, as the profile shows them.
    pub items: Vec<KeyDate>,
    pub selected: usize,
    /// Asking whether to delete this one (index into `items`).
    pub confirm: Option<usize>,
}

/// One key date on one line: date, kind, lead and note.
pub fn describe(k: &KeyDate) -> String {
    let mut s = format!("{} {} ({} days ahead)", k.on, k.kind.label(), k.lead_days);
    let note = crate::domain::text::clean_line(&k.note);
    if !note.is_empty() {
        s = format!("{s} — {note}");
    }
    s
}

impl KeyDateList {
    pub fn new(account: AccountId, label: String, items: Vec<KeyDate>) -> KeyDateList {
        KeyDateList {
            account,
            label,
            items,
            selected: 0,
            confirm: None,
        }
    }

    /// A yes/no question while a delete waits for its answer.
    pub fn context(&self) -> Context {
        if self.confirm.is_some() {
            Context::Confirm
        } else {
            Context::KeyDates
        }
    }

    pub fn handle(&mut self, action: Action) -> Reply {
        if let Some(i) = self.confirm.take() {
            // Any answer but yes keeps the date (the safe answer).
            if action != Action::Yes {
                return Reply::stay().say(Tone::Info, "Kept the key date");
            }
            let Some(k) = self.items.get(i) else {
                return Reply::stay();
            };
            return Reply {
                close: true,
                then: Some(Then::Effect(Effect::DeleteKeyDate {
                    id: k.id,
                    what: format!("{} of {}", describe(k), self.label),
                })),
                ..Reply::default()
            };
        }
        match action {
            Action::Cancel => Reply {
                close: true,
                ..Reply::default()
            },
            Action::Up => {
                self.selected = self.selected.saturating_sub(1);
                Reply::stay()
            }
            Action::Down => {
                self.selected = (self.selected + 1).min(self.items.len().saturating_sub(1));
                Reply::stay()
            }
            Action::AddKeyDate => Reply {
                close: true,
                then: Some(Then::Form(Box::new(Form::key_date(
                    self.account,
                    &self.label,
                    None,
                )))),
                ..Reply::default()
            },
            Action::EditKeyDate => match self.items.get(self.selected) {
                Some(k) => Reply {
                    close: true,
                    then: Some(Then::Form(Box::new(Form::key_date(
                        self.account,
                        &self.label,
                        Some(k),
                    )))),
                    ..Reply::default()
                },
                None => Reply::stay().say(Tone::Info, "No key dates to edit"),
            },
            Action::DeleteKeyDate => {
                if self.items.is_empty() {
                    return Reply::stay().say(Tone::Info, "No key dates to delete");
                }
                self.confirm = Some(self.selected);
                Reply::stay()
            }
            _ => Reply::stay(),
        }
    }
}

pub fn render(f: &mut Frame, area: Rect, state: &State, l: &KeyDateList) {
    let theme = &state.theme;
    let h = (l.items.len() as u16 + 4).clamp(6, area.height.saturating_sub(4).max(6));
    let r = centered(area, 90, h);
    f.render_widget(Clear, r);
    let key = |a| state.keymap.key_in(Place::KeyDates, a).unwrap_or_default();
    let title = format!(
        "Key dates — {} · {} add · {} edit · {} delete · {} close",
        safe(&l.label),
        key(Action::AddKeyDate),
        key(Action::EditKeyDate),
        key(Action::DeleteKeyDate),
        key(Action::Cancel)
    );
    let b = block(fit(&title, r.width.saturating_sub(4) as usize), true, theme);
    let inner = b.inner(r);
    f.render_widget(b, r);
    if inner.height == 0 {
        return;
    }
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    if l.items.is_empty() {
        lines.push(Line::styled(
            fit(
                &format!(
                    "No key dates yet: {} adds one (renewal, expiry, review, contact's date).",
                    key(Action::AddKeyDate)
                ),
                w,
            ),
            theme.dim(),
        ));
    }
    // The last line holds the question while a delete waits for it.
    let rows = (inner.height as usize).saturating_sub(1).max(1);
    let offset = l.selected.saturating_sub(rows.saturating_sub(1));
    for (i, k) in l.items.iter().enumerate().skip(offset).take(rows) {
        let style = if i == l.selected {
            theme.selected()
        } else {
            theme.base()
        };
        lines.push(Line::styled(fit(&safe(&describe(k)), w), style));
    }
    f.render_widget(Paragraph::new(lines), inner);
    if let Some(i) = l.confirm
        && let Some(k) = l.items.get(i)
        && inner.height >= 2
    {
        let yes = |a| {
            state
                .keymap
                .key_in(Place::Confirm, a)
                .unwrap_or_else(|| "?".into())
        };
        let q = format!(
            "Delete {} {}? {} yes · {} no",
            k.on,
            k.kind.label(),
            yes(Action::Yes),
            yes(Action::No)
        );
        f.render_widget(
            Paragraph::new(Line::styled(fit(&q, w), theme.error())),
            Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::KeyDateKind;
    use chrono::NaiveDate;

    fn kd(id: u64, on: NaiveDate) -> KeyDate {
        KeyDate {
            id,
            account: AccountId(1),
            kind: KeyDateKind::Expiry,
            on,
            lead_days: 60,
            note: "frame\u{1b} contract".into(),
        }
    }

    #[test]
    fn delete_asks_first_and_any_other_answer_keeps_it() {
        let day = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let mut l = KeyDateList::new(AccountId(1), "A Acme".into(), vec![kd(7, day), kd(9, day)]);
        l.handle(Action::Down);
        l.handle(Action::DeleteKeyDate);
        assert_eq!(l.confirm, Some(1));
        assert_eq!(l.context(), Context::Confirm);
        let r = l.handle(Action::No);
        assert!(!r.close && r.then.is_none());
        assert_eq!(l.context(), Context::KeyDates);
        l.handle(Action::DeleteKeyDate);
        let r = l.handle(Action::Yes);
        assert!(r.close);
        match r.then {
            Some(Then::Effect(Effect::DeleteKeyDate { id, what })) => {
                assert_eq!(id, 9);
                assert_eq!(
                    what,
                    "2025-06-30 contract expiry (60 days ahead) — frame contract of A Acme"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
