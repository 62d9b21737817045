//! One module per pane; each renders from `State` only.

pub mod accounts;
pub mod agenda;
pub mod matrix;
pub mod profile;
pub mod timeline;

use super::theme::Theme;
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

/// Risk flags in words for the profile.
pub fn flag_words(flag: &str) -> String {
    match flag {
        "overdue_touch" => "No touch within the tier's cadence".into(),
        "overdue_payment" => "Payment overdue (receivables in arrears)".into(),
        "declining" => "Purchase frequency falling".into(),
        "complaint_sla" => "Complaint past its reply/resolve deadline".into(),
        "single_threaded" => "Single contact person, no backup".into(),
        "contact_left" => "The primary contact has left".into(),
        "large_disloyal" => "Large but disloyal: dictates terms".into(),
        other => other.replace('_', " "),
    }
}
