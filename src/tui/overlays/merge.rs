//! Merging a duplicate from the TUI: the search picked DROP, the book
//! planned the merge; this overlay shows what moves and the fields both
//! accounts set differently, lets the user keep KEEP's value (left) or take
//! DROP's (right) per field, and merges on yes — one change, undoable.

use super::super::app::State;
use super::super::effect::Effect;
use super::super::keymap::{Action, Place};
use super::super::panes::block;
use super::super::text::{fit, safe};
use super::centered;
use super::keys::{Reply, Then};
use crate::book::merge_accounts::MergePlan;
use crate::domain::text::plural;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

#[derive(Debug, Clone, PartialEq)]
pub struct MergeView {
    pub plan: MergePlan,
    /// The conflict selected.
    pub selected: usize,
}

impl MergeView {
    pub fn new(plan: MergePlan) -> MergeView {
        MergeView { plan, selected: 0 }
    }

    pub fn handle(&mut self, action: Action) -> Reply {
        let n = self.plan.conflicts.len();
        match action {
            Action::Cancel => Reply {
                close: true,
                say: Some((super::super::state::Tone::Info, "Merge cancelled".into())),
                then: None,
            },
            Action::Up => {
                self.selected = self.selected.saturating_sub(1);
                Reply::default()
            }
            Action::Down => {
                self.selected = (self.selected + 1).min(n.saturating_sub(1));
                Reply::default()
            }
            Action::Left | Action::Right => {
                if let Some(c) = self.plan.conflicts.get_mut(self.selected) {
                    c.take = action == Action::Right;
                }
                Reply::default()
            }
            Action::Yes => Reply {
                close: true,
                say: None,
                then: Some(Then::Effect(Effect::Merge {
                    keep_id: self.plan.keep.id,
                    keep: self.plan.keep.key.clone(),
                    drop: self.plan.drop.key.clone(),
                    take: self
                        .plan
                        .conflicts
                        .iter()
                        .filter(|c| c.take)
                        .map(|c| c.field.clone())
                        .collect(),
                })),
            },
            _ => Reply::default(),
        }
    }
}

pub fn render(f: &mut Frame, area: Rect, state: &State, view: &MergeView) {
    let theme = &state.theme;
    let p = &view.plan;
    let h = (6 + p.conflicts.len() as u16).min(area.height.saturating_sub(4));
    let r = centered(area, 76, h.max(5));
    f.render_widget(Clear, r);
    let b = block(
        format!("Merge {} into {}", safe(&p.drop.key), safe(&p.keep.key)),
        true,
        theme,
    );
    let inner = b.inner(r);
    f.render_widget(b, r);
    let w = inner.width as usize;
    let mut lines = vec![
        Line::raw(fit(
            &format!(
                "{} moves: {}, {}, {}",
                safe(&p.drop.key),
                plural(p.contacts, "contact"),
                plural(p.interactions, "interaction"),
                plural(p.followups, "follow-up")
            ),
            w,
        )),
        Line::raw(fit(
            &match p.filled.is_empty() {
                true => format!("{} is removed", safe(&p.drop.key)),
                false => format!(
                    "fills {}; {} is removed",
                    p.filled.join(", "),
                    safe(&p.drop.key)
                ),
            },
            w,
        )),
    ];
    if p.conflicts.is_empty() {
        lines.push(Line::styled("No conflicting fields.", theme.dim()));
    } else {
        let key = |a| state.keymap.key_in(Place::Merge, a).unwrap_or_default();
        lines.push(Line::styled(
            fit(
                &format!(
                    "{:<14} ◀ {}: keep {}   {}: take {} ▶",
                    "field",
                    key(Action::Left),
                    safe(&p.keep.key),
                    key(Action::Right),
                    safe(&p.drop.key)
                ),
                w,
            ),
            theme.dim(),
        ));
    }
    let half = w.saturating_sub(18) / 2;
    for (i, c) in p.conflicts.iter().enumerate() {
        let mark = |on: bool| if on { "●" } else { "○" };
        let text = format!(
            "{:<14} {} {:<half$} {} {}",
            c.field,
            mark(!c.take),
            fit(&safe(&c.keep), half),
            mark(c.take),
            safe(&c.drop),
        );
        let style = if i == view.selected {
            theme.selected()
        } else {
            theme.base()
        };
        lines.push(Line::styled(fit(&text, w), style));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
