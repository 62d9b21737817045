//! The bulk form: one change (owner, backup owner, a tag, a follow-up, a
//! status, a pin) for every marked account. Fields left empty change
//! nothing. The values are parsed as `kam bulk set` parses them
//! (`commands::bulk::parse_changes`), a confirmation names how many accounts
//! change, and the write is one `WriteOp::Bulk`.

use super::super::effect::Effect;
use super::super::input::LineEdit;
use super::super::keymap::{Action, Context};
use super::super::panes::block;
use super::super::state::{State, Tone};
use super::super::text::{fit, safe};
use super::centered;
use super::keys::{Reply, Then};
use crate::book::bulk::{BulkChange, BulkTarget};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// (label, the `kam bulk set` field it fills).
pub const FIELDS: [(&str, &str); 9] = [
    ("Owner", "owner"),
    ("Backup owner", "backup_owner"),
    ("Add tag", "tags+"),
    ("Remove tag", "tags-"),
    ("Status", "status"),
    ("Follow-up due", "follow_up"),
    ("Follow-up note", "follow_up_note"),
    ("Pin tier", "pin"),
    ("Pin reason", "pin_reason"),
];

#[derive(Debug, Clone, PartialEq)]
pub struct BulkForm {
    pub target: BulkTarget,
    /// Marked accounts (what the confirmation names).
    pub count: usize,
    pub fields: Vec<LineEdit>,
    pub focused: usize,
    /// Checked changes waiting for yes or no.
    pub confirm: Option<Vec<BulkChange>>,
    pub error: Option<String>,
}

impl BulkForm {
    pub fn new(target: BulkTarget, count: usize) -> BulkForm {
        BulkForm {
            target,
            count,
            fields: FIELDS.iter().map(|_| LineEdit::new("")).collect(),
            focused: 0,
            confirm: None,
            error: None,
        }
    }

    pub fn focused_mut(&mut self) -> Option<&mut LineEdit> {
        self.fields.get_mut(self.focused)
    }

    pub fn context(&self) -> Context {
        if self.confirm.is_some() {
            Context::Confirm
        } else {
            Context::Form
        }
    }

    /// The filled fields as changes, or why not.
    fn changes(&self) -> Result<Vec<BulkChange>, String> {
        let pairs: Vec<(String, String)> = FIELDS
            .iter()
            .zip(&self.fields)
            .filter(|(_, e)| !e.text().trim().is_empty())
            .map(|((_, f), e)| (f.to_string(), e.text().to_string()))
            .collect();
        if pairs.is_empty() {
            return Err("Fill at least one field (empty fields change nothing)".into());
        }
        crate::commands::bulk::parse_changes(&pairs).map_err(|e| e.message)
    }

    pub fn handle(&mut self, action: Action) -> Reply {
        let stay = Reply::default;
        if let Some(changes) = &self.confirm {
            let changes = changes.clone();
            self.confirm = None;
            if action == Action::Yes {
                return Reply {
                    then: Some(Then::Effect(Effect::Bulk {
                        target: self.target.clone(),
                        changes,
                    })),
                    ..Reply::default()
                };
            }
            return stay();
        }
        match action {
            Action::Cancel => Reply {
                close: true,
                ..Reply::default()
            },
            Action::NextField => {
                self.focused = (self.focused + 1) % self.fields.len();
                stay()
            }
            Action::PrevField => {
                self.focused = (self.focused + self.fields.len() - 1) % self.fields.len();
                stay()
            }
            Action::Save => match self.changes() {
                Ok(c) => {
                    self.error = None;
                    self.confirm = Some(c);
                    stay()
                }
                Err(e) => {
                    self.error = Some(e.clone());
                    Reply {
                        say: Some((Tone::Error, e)),
                        ..Reply::default()
                    }
                }
            },
            _ => stay(),
        }
    }
}

pub fn render(f: &mut Frame, area: Rect, state: &State, form: &BulkForm) {
    let theme = &state.theme;
    let h = FIELDS.len() as u16 + 5;
    let r = centered(area, 64, h);
    f.render_widget(Clear, r);
    let title = format!(
        "Bulk change · {}",
        crate::domain::text::plural(form.count, "marked account")
    );
    let b = block(fit(&title, r.width.saturating_sub(4) as usize), true, theme);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let label_w = 16;
    let mut lines = Vec::new();
    for (i, ((label, _), edit)) in FIELDS.iter().zip(&form.fields).enumerate() {
        let style = if i == form.focused {
            theme.selected()
        } else {
            theme.base()
        };
        let value = fit(
            &safe(edit.text()),
            (inner.width as usize).saturating_sub(label_w + 1),
        );
        lines.push(Line::from(vec![
            Span::styled(format!("{label:<label_w$} "), theme.header()),
            Span::styled(value, style),
        ]));
    }
    lines.push(Line::raw(""));
    let key = |a| state.keymap.hint(Context::Form, a).unwrap_or_default();
    match &form.error {
        Some(e) => lines.push(Line::styled(
            fit(&safe(e), inner.width as usize),
            theme.error(),
        )),
        None => lines.push(Line::styled(
            fit(
                &format!(
                    "Empty fields change nothing · {} apply · {} cancel",
                    key(Action::Save),
                    key(Action::Cancel)
                ),
                inner.width as usize,
            ),
            theme.dim(),
        )),
    }
    f.render_widget(Paragraph::new(lines), inner);
    if form.confirm.is_none()
        && let Some(edit) = form.fields.get(form.focused)
    {
        let before: String = safe(edit.text()).chars().take(edit.cursor()).collect();
        let x = (label_w + 1 + super::super::text::width(&before))
            .min(inner.width.saturating_sub(1) as usize) as u16;
        f.set_cursor_position(Position::new(inner.x + x, inner.y + form.focused as u16));
    }
    if form.confirm.is_some() {
        super::confirm::render(
            f,
            area,
            state,
            &format!(
                "Change {}?",
                crate::domain::text::plural(form.count, "account")
            ),
        );
    }
}
