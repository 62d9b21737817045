//! One module per pane; each renders from `State` only.

pub mod accounts;
pub mod agenda;
pub mod charts;
pub mod keys;
pub mod marking;
pub mod matrix;
pub mod profile;
pub mod report;
pub mod timeline;
pub mod views;

use super::theme::Theme;
use crate::segment::{Flag, Metrics};
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

/// A bordered pane block; the title starts with the pane's exact name.
pub fn block<'a>(title: String, focused: bool, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .border_style(theme.border(focused))
        .title(Line::from(Span::styled(
            format!(" {title} "),
            theme.title(),
        )))
}

/// Short badge for a tier name: `KEY`, `DEV`, `MNT`, `OPP`, else 3 letters.
pub fn tier_badge(tier: &str) -> String {
    match tier.to_ascii_lowercase().as_str() {
        "key" => "KEY".into(),
        "development" => "DEV".into(),
        "maintenance" => "MNT".into(),
        "opportunity" => "OPP".into(),
        other => other.chars().take(3).collect::<String>().to_uppercase(),
    }
}

/// Short forms of risk flags for the list column.
pub fn flag_short(flag: &str) -> &str {
    match flag {
        "overdue_touch" => "touch",
        "overdue_payment" => "pay",
        "declining" => "decl",
        "complaint_sla" => "cmpl",
        "single_threaded" => "1ctc",
        "contact_left" => "left",
        "large_disloyal" => "disl",
        other => other,
    }
}

/// A risk flag in words for the profile: what it is and, from the account's
/// metrics, why it is raised (the same reason text as the agenda's).
pub fn flag_words(flag: Flag, m: &Metrics) -> String {
    let label = match flag {
        Flag::OverdueTouch => "Overdue touch",
        Flag::OverduePayment => "Payment overdue",
        Flag::Declining => "Declining",
        Flag::ComplaintSla => "Complaint SLA missed",
        Flag::SingleThreaded => "Single-threaded",
        Flag::ContactLeft => "Contact left",
        Flag::LargeDisloyal => "Large but disloyal",
    };
    format!(
        "{label}: {}",
        crate::commands::table::group_amounts(&flag.reason(m))
    )
}
