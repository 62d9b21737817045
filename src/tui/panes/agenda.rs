//! The agenda: what is due and overdue for me, by tier then lateness.

use super::super::app::State;
use super::super::text::{fit, safe, width};
use super::{block, tier_badge};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

pub fn render(f: &mut Frame, area: Rect, state: &State, focused: bool) {
    let theme = &state.theme;
    let late = state
        .agenda
        .rows
        .iter()
        .filter(|r| r.item.days_late > 0)
        .count();
    let title = format!(
        "Agenda · {} · {} due, {} overdue",
        safe(&state.user),
        state.agenda.rows.len(),
        late
    );
    let b = block(title, focused, theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    if state.agenda.rows.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled("Nothing due today. Well done.", theme.dim())),
            inner,
        );
        return;
    }
    let wide = inner.width >= 100;
    let mut widths = vec![
        Constraint::Length(10),
        Constraint::Length(6),
        Constraint::Length(4),
    ];
    let mut header = vec!["Due", "Late", "Tier"];
    if wide {
        widths.push(Constraint::Length(10));
        header.push("Key");
    }
    let height = inner.height.saturating_sub(1) as usize;
    let sel = state.agenda.selected.min(state.agenda.rows.len() - 1);
    let offset = sel.saturating_sub(height.saturating_sub(1));
    // The account column takes what the names on screen need (up to a
    // quarter of the width); What, the longest text, gets the rest.
    let name_w = state
        .agenda
        .rows
        .iter()
        .skip(offset)
        .take(height)
        .map(|r| width(&safe(&r.name)))
        .max()
        .unwrap_or(0)
        .clamp(7, (inner.width as usize / 4).max(7));
    widths.extend([Constraint::Length(name_w as u16), Constraint::Fill(1)]);
    header.extend(["Account", "What"]);
    let rows = state.agenda.rows.iter().skip(offset).take(height).map(|r| {
        let i = &r.item;
        let late = if i.days_late > 0 {
            Span::styled(format!("{:>4}d", i.days_late), theme.error())
        } else {
            Span::styled(" today", theme.ok())
        };
        let mut cells = vec![
            Cell::from(i.due.to_string()),
            Cell::from(late),
            Cell::from(Span::styled(tier_badge(&i.tier), theme.tier(&i.tier))),
        ];
        if wide {
            cells.push(Cell::from(safe(&r.key)));
        }
        cells.push(Cell::from(safe(&r.name)));
        cells.push(Cell::from(fit(
            &format!(
                "{}: {}",
                i.kind.as_str().replace('_', " "),
                // Amounts grouped for people, as in `kam agenda`.
                crate::commands::table::group_amounts(&safe(&i.text))
            ),
            200,
        )));
        Row::new(cells)
    });
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.header()))
        .column_spacing(1)
        .row_highlight_style(theme.selected());
    let mut ts = TableState::default().with_selected(Some(sel - offset));
    f.render_stateful_widget(table, inner, &mut ts);
}
