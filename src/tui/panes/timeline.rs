//! The timeline: newest first, kinds told apart by symbol and colour, system
//! entries (tier changes) with their reasons, optionally one kind only.

use super::super::app::State;
use super::super::text::{fit, safe, wrap};
use super::block;
use crate::domain::{Interaction, InteractionKind};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// One-cell symbols so kinds can be told apart without colour.
pub fn symbol(kind: InteractionKind) -> char {
    match kind {
        InteractionKind::Order => '$',
        InteractionKind::Payment => '+',
        InteractionKind::Visit => '>',
        InteractionKind::Call => 'C',
        InteractionKind::Email => '@',
        InteractionKind::Meeting => 'M',
        InteractionKind::Complaint => '!',
        InteractionKind::Resolution => '✓',
        InteractionKind::Survey => '%',
        InteractionKind::Note => '-',
        InteractionKind::System => '#',
    }
}

fn head(i: &Interaction) -> String {
    let mut s = format!("{} {} {:<10}", i.day(), symbol(i.kind), i.kind);
    if let Some(a) = i.amount {
        s.push_str(&format!(" {a}"));
    }
    if let Some(m) = i.margin {
        s.push_str(&format!(" (margin {m})"));
    }
    if let Some(d) = i.due {
        match i.paid_at {
            Some(p) => s.push_str(&format!(" · due {d}, paid {p}")),
            None => s.push_str(&format!(" · due {d}, unpaid")),
        }
    }
    if let Some(v) = i.satisfaction {
        s.push_str(&format!(" · satisfaction {v}/5"));
    }
    if let Some(f) = i.follow_up {
        s.push_str(&format!(" · follow up {f}"));
    }
    if !i.author.is_empty() {
        s.push_str(&format!(" · {}", safe(&i.author)));
    }
    s
}

pub fn render(f: &mut Frame, area: Rect, state: &State, focused: bool) {
    let theme = &state.theme;
    let mut title = match state.selected_row() {
        Some(r) => format!("Timeline · {}", safe(&r.text.key)),
        None => "Timeline".to_string(),
    };
    if let Some(k) = state.timeline.kind {
        title.push_str(&format!(" · {k} only"));
    }
    let b = block(title, focused, theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let entries = state.timeline_entries();
    if entries.is_empty() {
        let msg = if state.profile.detail.is_none() {
            "No account selected."
        } else {
            "Nothing recorded yet."
        };
        f.render_widget(Paragraph::new(Line::styled(msg, theme.dim())), inner);
        return;
    }
    let w = inner.width as usize;
    let h = inner.height as usize;
    let selected = state.timeline.selected.min(entries.len() - 1);
    // Each entry takes a head line and its summary lines; the selected one
    // and system entries (tier changes with their reasons) show in full.
    let entry_lines = |idx: usize, i: &Interaction| -> Vec<Line<'static>> {
        let style = theme.kind(i.kind);
        let sel = idx == selected && focused;
        let head_style = if sel {
            style.patch(theme.selected())
        } else {
            style
        };
        let mut v = vec![Line::from(Span::styled(fit(&head(i), w), head_style))];
        let summary: Vec<String> = wrap(&i.summary, w.saturating_sub(2));
        let full = idx == selected || i.kind == InteractionKind::System;
        let take = if full { 6 } else { 1 };
        for l in summary.into_iter().filter(|l| !l.is_empty()).take(take) {
            v.push(Line::raw(format!("  {l}")));
        }
        v
    };
    // Start far enough back that the selected entry is on screen.
    let mut start = 0;
    loop {
        let used: usize = entries[start..=selected]
            .iter()
            .enumerate()
            .map(|(k, i)| entry_lines(start + k, i).len())
            .sum();
        if used <= h || start == selected {
            break;
        }
        start += 1;
    }
    let mut lines = Vec::new();
    for (k, i) in entries.iter().enumerate().skip(start) {
        if lines.len() >= h {
            break;
        }
        lines.extend(entry_lines(k, i));
    }
    lines.truncate(h);
    f.render_widget(Paragraph::new(lines), inner);
}
