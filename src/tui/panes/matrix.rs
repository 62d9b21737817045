//! The tier matrix: the model's grid with count, revenue and share per cell,
//! and how many accounts moved since the last review.

use super::super::app::State;
use super::super::text::{fit, safe, width};
use super::{block, tier_badge};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn render(f: &mut Frame, area: Rect, state: &State, focused: bool) {
    let theme = &state.theme;
    let m = &state.matrix.view;
    let mut title = format!("Matrix · {}", safe(&m.model));
    match &m.last_review {
        Some(d) => title.push_str(&format!(" · reviewed {}", safe(d))),
        None => title.push_str(" · never reviewed"),
    }
    let b = block(
        fit(&title, area.width.saturating_sub(4) as usize),
        focused,
        theme,
    );
    let inner = b.inner(area);
    f.render_widget(b, area);
    if m.rows.is_empty() || m.cols.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled("No model.", theme.dim())),
            inner,
        );
        return;
    }
    let (inner, charts) = super::charts::matrix_split(inner);
    if let Some(area) = charts {
        super::charts::matrix(f, area, m, theme);
    }
    // Every band names its axis (`potential ≥50`, `value <50`), so the
    // labels read on their own; row labels on the left, columns on top.
    let row_labels: Vec<String> = m
        .rows
        .iter()
        .map(|r| format!("{} {}", safe(&m.row_axis), safe(r)))
        .collect();
    let label_w = row_labels
        .iter()
        .map(|r| width(r))
        .max()
        .unwrap_or(0)
        .clamp(9, 20)
        .min(inner.width as usize / 3) as u16;
    let [head, grid] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    let [_, head_cells] =
        Layout::horizontal([Constraint::Length(label_w + 1), Constraint::Min(1)]).areas(head);
    let col_areas = Layout::horizontal(vec![Constraint::Fill(1); m.cols.len()]).split(head_cells);
    for (c, a) in m.cols.iter().zip(col_areas.iter()) {
        f.render_widget(
            Paragraph::new(Line::styled(
                fit(
                    &format!("{} {}", safe(&m.col_axis), safe(c)),
                    a.width as usize,
                ),
                theme.header(),
            ))
            .centered(),
            *a,
        );
    }
    let row_areas = Layout::vertical(vec![Constraint::Fill(1); m.rows.len()]).split(grid);
    for (r, (label, row_area)) in row_labels.iter().zip(row_areas.iter()).enumerate() {
        let [label_area, cells_area] =
            Layout::horizontal([Constraint::Length(label_w + 1), Constraint::Min(1)])
                .areas(*row_area);
        f.render_widget(
            Paragraph::new(Line::styled(fit(label, label_w as usize), theme.header())),
            label_area,
        );
        let cell_areas =
            Layout::horizontal(vec![Constraint::Fill(1); m.cols.len()]).split(cells_area);
        for (c, cell_area) in cell_areas.iter().enumerate() {
            let Some(cell) = m.cells.get(r).and_then(|row| row.get(c)) else {
                continue;
            };
            let selected = state.matrix.selected == (r, c);
            let border = if selected && focused {
                theme.border(true).patch(theme.selected())
            } else {
                theme.border(selected)
            };
            let cb = Block::bordered().border_style(border);
            let ci = cb.inner(*cell_area);
            f.render_widget(cb, *cell_area);
            let w = ci.width as usize;
            let mut lines = vec![Line::from(Span::styled(
                fit(
                    &format!("{} {}", tier_badge(&cell.tier), safe(&cell.tier)),
                    w,
                ),
                theme.tier(&cell.tier),
            ))];
            lines.push(Line::raw(fit(
                &format!("{} acc · {}", cell.count, cell.revenue.compact()),
                w,
            )));
            // Cells count the accounts the grid puts there; the cap moves
            // some to another tier, and both ends say so (on the last line
            // there is room for), so that cells add up with the list's tiers.
            let cap = match m.overflow_to.as_deref() {
                Some(to) if cell.overflow > 0 => {
                    format!("{} over cap → {}", cell.overflow, safe(to))
                }
                Some(to) if cell.tier == to && m.overflow_total > 0 => {
                    format!("+{} from the cap", m.overflow_total)
                }
                _ => String::new(),
            };
            let mut share = format!("{:.0}% of revenue", cell.share * 100.0);
            if cell.moved > 0 {
                let moved = format!("{} moved since review", cell.moved);
                // Share and moves on lines of their own only if the cap line
                // still fits below them (a short cell, as beside the charts).
                let needed = if cap.is_empty() { 4 } else { 5 };
                if ci.height >= needed {
                    lines.push(Line::styled(fit(&share, w), theme.dim()));
                    share = String::new();
                    lines.push(Line::styled(fit(&moved, w), theme.warn()));
                } else {
                    share = format!("{:.0}% rev · {moved}", cell.share * 100.0);
                }
            }
            if !share.is_empty() {
                lines.push(Line::styled(fit(&share, w), theme.dim()));
            }
            if !cap.is_empty() {
                if lines.len() >= ci.height as usize {
                    lines.pop();
                }
                lines.push(Line::styled(fit(&cap, w), theme.warn()));
            }
            f.render_widget(Paragraph::new(lines), ci);
        }
    }
}
