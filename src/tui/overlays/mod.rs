//! Modal overlays drawn over the panes.

pub mod bulk;
pub mod confirm;
pub mod form;
pub mod help;
pub mod history;
pub mod keydates;
pub mod keys;
pub mod merge;
pub mod notice;
pub mod review;
pub mod search;
pub mod views;

use ratatui::layout::Rect;

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// A tall popup of at most `w` columns that leaves the top line and the
/// status bar (message and hints) visible.
/// A tall reading popup (history, notices): clears its area, draws a
/// bordered block titled `head` (cut to fit) and returns the inside.
pub fn reading_popup(
    f: &mut ratatui::Frame,
    area: Rect,
    state: &super::app::State,
    head: &str,
) -> Rect {
    let r = tall(area, 100);
    f.render_widget(ratatui::widgets::Clear, r);
    let b = super::panes::block(
        super::text::fit(head, r.width.saturating_sub(4) as usize),
        true,
        &state.theme,
    );
    let inner = b.inner(r);
    f.render_widget(b, r);
    inner
}

pub fn tall(area: Rect, w: u16) -> Rect {
    let w = w.min(area.width);
    let h = area
        .height
        .saturating_sub(1 + super::layout::STATUS_HEIGHT)
        .max(3)
        .min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + 1.min(area.height - h),
        w,
        h,
    )
}
