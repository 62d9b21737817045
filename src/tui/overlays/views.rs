//! Saved views in the TUI: the name prompt that saves the list's filter and
//! sort as a personal view, and the list of personal and team views to
//! recall one from.

use super::super::effect::Effect;
use super::super::input::LineEdit;
use super::super::keymap::{Action, Context};
use super::super::panes::block;
use super::super::state::{State, Tone};
use super::super::text::{fit, safe};
use super::centered;
use super::keys::{Reply, Then};
use crate::book::views::{SavedView, check_name};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};
use std::path::PathBuf;

/// Naming the list's filter and sort.
#[derive(Debug, Clone, PartialEq)]
pub struct NamePrompt {
    pub input: LineEdit,
    /// The view without its name.
    pub view: SavedView,
    /// The personal views file; None: a team view (saved in the book).
    pub path: Option<PathBuf>,
    pub error: Option<String>,
}

/// One view to recall, and whose it is.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewItem {
    pub scope: &'static str,
    pub view: SavedView,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ViewList {
    pub items: Vec<ViewItem>,
    pub selected: usize,
}

impl NamePrompt {
    pub fn handle(&mut self, action: Action) -> Reply {
        match action {
            Action::Cancel => Reply {
                close: true,
                ..Reply::default()
            },
            Action::Accept => match check_name(self.input.text()) {
                Ok(name) => Reply {
                    close: true,
                    then: Some(Then::Effect(Effect::SaveView {
                        view: SavedView {
                            name,
                            ..self.view.clone()
                        },
                        path: self.path.clone(),
                    })),
                    ..Reply::default()
                },
                Err(e) => {
                    self.error = Some(e);
                    Reply::default()
                }
            },
            _ => Reply::default(),
        }
    }
}

impl ViewList {
    pub fn handle(&mut self, action: Action) -> Reply {
        match action {
            Action::Cancel => Reply {
                close: true,
                ..Reply::default()
            },
            Action::Up => {
                self.selected = self.selected.saturating_sub(1);
                Reply::default()
            }
            Action::Down => {
                self.selected = (self.selected + 1).min(self.items.len().saturating_sub(1));
                Reply::default()
            }
            Action::Accept => match self.items.get(self.selected) {
                Some(item) => Reply {
                    close: true,
                    then: Some(Then::View(item.view.clone())),
                    ..Reply::default()
                },
                None => Reply {
                    close: true,
                    say: Some((Tone::Info, "No saved views".into())),
                    ..Reply::default()
                },
            },
            _ => Reply::default(),
        }
    }
}

pub fn render_prompt(f: &mut Frame, area: Rect, state: &State, p: &NamePrompt) {
    let theme = &state.theme;
    let r = centered(area, 70, 5);
    f.render_widget(Clear, r);
    let title = if p.path.is_some() {
        "Save view (personal)"
    } else {
        "Save view for the team"
    };
    let b = block(title.into(), true, theme);
    let inner = b.inner(r);
    f.render_widget(b, r);
    if inner.height < 2 {
        return;
    }
    let w = inner.width as usize;
    let prompt = "name: ";
    let text = safe(p.input.text());
    f.render_widget(
        Paragraph::new(Line::raw(fit(&format!("{prompt}{text}"), w))),
        Rect::new(inner.x, inner.y, inner.width, 1),
    );
    let note = match &p.error {
        Some(e) => Line::styled(fit(e, w), theme.error()),
        None => Line::styled(
            fit(
                &format!(
                    "filter {} · sort {}{}",
                    if p.view.filter.is_empty() {
                        "(none)".to_string()
                    } else {
                        safe(&p.view.filter)
                    },
                    p.view.sort.label(),
                    if p.view.reverse { " ↑" } else { "" }
                ),
                w,
            ),
            theme.dim(),
        ),
    };
    f.render_widget(
        Paragraph::new(note),
        Rect::new(inner.x, inner.y + 1, inner.width, 1),
    );
    let before: String = text.chars().take(p.input.cursor()).collect();
    let x = (prompt.len() + super::super::text::width(&before)).min(w.saturating_sub(1)) as u16;
    f.set_cursor_position(Position::new(inner.x + x, inner.y));
}

pub fn render_list(f: &mut Frame, area: Rect, state: &State, l: &ViewList) {
    let theme = &state.theme;
    let h = (l.items.len() as u16 + 3).clamp(5, area.height.saturating_sub(4).max(5));
    let r = centered(area, 76, h);
    f.render_widget(Clear, r);
    let b = block(format!("Saved views · {}", l.items.len()), true, theme);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    if l.items.is_empty() {
        let save = state
            .keymap
            .hint(Context::List, Action::SaveView)
            .unwrap_or_else(|| "save_view".into());
        lines.push(Line::styled(
            fit(
                &format!("No saved views yet: {save} in the list saves the filter and sort."),
                w,
            ),
            theme.dim(),
        ));
    }
    let rows = inner.height as usize;
    let offset = l.selected.saturating_sub(rows.saturating_sub(1));
    for (i, item) in l.items.iter().enumerate().skip(offset).take(rows) {
        let v = &item.view;
        let text = format!(
            "{:<16} {:<9} {:<10} {}",
            fit(&safe(&v.name), 16),
            item.scope,
            v.sort.label(),
            safe(&v.filter)
        );
        let style = if i == l.selected {
            theme.selected()
        } else {
            theme.base()
        };
        lines.push(Line::styled(fit(&text, w), style));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
