//! The account list: tier badge, name, owner, scores, revenue, next due,
//! flags. Only the rows that fit are built each frame.

use super::super::app::State;
use super::super::keymap::{Action, Place};
use super::super::text::{fit, safe, width};
use super::super::view::AccountRow;
use super::{block, flag_short, tier_badge};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

/// Name keeps what its names need, up to this many cells, before the flags
/// column grows; flags keep at least FLAGS_MIN.
const NAME_MAX: usize = 24;
const FLAGS_MIN: usize = 10;

fn flags_text(r: &AccountRow) -> String {
    r.flags
        .iter()
        .map(|f| flag_short(f))
        .collect::<Vec<_>>()
        .join(",")
}

/// Column widths by priority: the last ones are dropped first when narrow.
fn columns(width: u16) -> (bool, bool, bool) {
    // (key column, potential column, owner column)
    (width >= 100, width >= 76, width >= 66)
}

pub fn render(f: &mut Frame, area: Rect, state: &State, focused: bool) {
    let theme = &state.theme;
    let mut title = format!(
        "Accounts {}/{}{} · sort {}{}",
        state.list.matching(),
        state.list.accounts_total.max(state.list.rows.len()),
        // A lost server: the rows below are the last known ones.
        if state.lost.is_some() {
            " · reconnecting…"
        } else {
            ""
        },
        state.list.sort.label(),
        if state.list.sort_reverse { " ↑" } else { "" }
    );
    if !state.list.filter.is_empty() {
        title.push_str(&format!(" · filter {}", safe(state.list.filter.text())));
        // `cell:0,1` means nothing by itself: name the cell's tier.
        if let Some(cell) = state
            .list
            .filter
            .cell()
            .and_then(|(r, c)| state.matrix.view.cells.get(r)?.get(c))
        {
            title.push_str(&format!(" ({})", safe(&cell.tier)));
        }
    }
    let title = fit(&title, area.width.saturating_sub(4) as usize);
    let b = block(title, focused, theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    if state.list.visible.is_empty() {
        // The key named is the one in force (a user may have rebound it).
        let msg = if state.lost.is_some() && state.list.rows.is_empty() {
            "The kam server is not reachable; reconnecting…".to_string()
        } else if state.list.rows.is_empty() && state.list.accounts_total == 0 {
            match state.keymap.key_in(Place::List, Action::NewAccount) {
                Some(k) => format!("No accounts yet. Press {k} to add one, or run `kam demo`."),
                None => "No accounts yet. Run `kam demo`, or bind new_account in your keymap."
                    .to_string(),
            }
        } else {
            "No account matches the filter.".to_string()
        };
        f.render_widget(Paragraph::new(Line::styled(msg, theme.dim())), inner);
        return;
    }
    let (show_key, show_pot, show_owner) = columns(inner.width);
    // A mark column only while something is marked: the list reads as
    // before otherwise.
    let marks = &state.list.marks;
    let show_marks = !marks.is_empty();
    let mut widths = Vec::new();
    let mut header = Vec::new();
    if show_marks {
        widths.push(Constraint::Length(1));
        header.push("");
    }
    widths.push(Constraint::Length(5));
    header.push("Tier");
    if show_key {
        widths.push(Constraint::Length(10));
        header.push("Key");
    }
    widths.push(Constraint::Fill(1));
    header.push("Name");
    if show_owner {
        widths.push(Constraint::Length(8));
        header.push("Owner");
    }
    widths.push(Constraint::Length(5));
    header.push("Val");
    if show_pot {
        widths.push(Constraint::Length(5));
        header.push("Pot");
    }
    widths.extend([Constraint::Length(7), Constraint::Length(10)]);
    header.extend(["Rev12m", "Next due", "Flags"]);

    let height = inner.height.saturating_sub(1) as usize;
    let offset = state.list.selected.saturating_sub(height.saturating_sub(1));
    // Flags take what they need of the rows on screen while Name keeps what
    // its names need (up to NAME_MAX); when both cannot fit, flags keep at
    // least FLAGS_MIN and Name the rest.
    let on_screen = || {
        state
            .list
            .visible
            .iter()
            .skip(offset)
            .take(height)
            .filter_map(|i| state.list.rows.get(*i))
    };
    let flags_need = on_screen()
        .map(|r| width(&flags_text(r)))
        .max()
        .unwrap_or(0)
        .max(5);
    let name_need = on_screen()
        .map(|r| width(&safe(&r.text.name)))
        .max()
        .unwrap_or(0)
        .clamp(4, NAME_MAX);
    // Fixed columns and the spacing after each; the name's spacing too.
    let fixed: usize = widths
        .iter()
        .map(|c| match c {
            Constraint::Length(n) => *n as usize + 1,
            _ => 1,
        })
        .sum();
    let avail = (inner.width as usize).saturating_sub(fixed);
    let flags_w = if name_need + flags_need <= avail {
        flags_need
    } else {
        avail
            .saturating_sub(name_need)
            .max(FLAGS_MIN.min(flags_need))
    };
    widths.push(Constraint::Length(flags_w as u16));
    let rows = state
        .list
        .visible
        .iter()
        .skip(offset)
        .take(height)
        .filter_map(|i| state.list.rows.get(*i))
        .map(|r| {
            let mut badge = tier_badge(&r.tier);
            badge.push(if r.pinned {
                '*'
            } else if r.moved {
                '↕'
            } else {
                ' '
            });
            let marked = show_marks && marks.is_marked(r);
            let mut cells = Vec::new();
            if show_marks {
                cells.push(Cell::from(Span::styled(
                    if marked { "✓" } else { " " },
                    theme.key(),
                )));
            }
            cells.push(Cell::from(Span::styled(badge, theme.tier(&r.tier))));
            if show_key {
                cells.push(Cell::from(safe(&r.text.key)));
            }
            cells.push(Cell::from(safe(&r.text.name)));
            if show_owner {
                cells.push(Cell::from(safe(&r.text.owner)));
            }
            cells.push(Cell::from(format!("{:>5.1}", r.value)));
            if show_pot {
                cells.push(Cell::from(format!("{:>5.1}", r.potential)));
            }
            let due = match r.next_due {
                Some(d) if d < state.today => Span::styled(d.to_string(), theme.error()),
                Some(d) => Span::raw(d.to_string()),
                None => Span::styled("—", theme.dim()),
            };
            cells.push(Cell::from(format!("{:>7}", r.revenue_12m.compact())));
            cells.push(Cell::from(due));
            cells.push(Cell::from(Span::styled(flags_text(r), theme.warn())));
            if marked {
                Row::new(cells).style(theme.key())
            } else {
                Row::new(cells)
            }
        });
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.header()))
        .column_spacing(1)
        .row_highlight_style(theme.selected());
    let mut ts = TableState::default().with_selected(Some(state.list.selected - offset));
    f.render_stateful_widget(table, inner, &mut ts);
}
