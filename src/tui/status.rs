//! The status bar: who, which database, as of when, the last message, and
//! key hints generated from the keymap for the current context.

use super::app::{Overlay, State, Tone};
use super::keymap::{Action, Hint, Place};
use super::text::{fit, safe, width};
use crate::backend::Peer;
use crate::domain::AccountId;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Where the keys pressed now land: the overlay on top, else the pane in
/// focus.
pub fn place(state: &State) -> Place {
    match &state.overlay {
        Some(Overlay::Help { .. }) => Place::Help,
        Some(Overlay::History { .. }) => Place::History,
        Some(Overlay::Notice { .. }) => Place::Notice,
        Some(Overlay::Search(_)) => Place::Search,
        Some(Overlay::Filter { .. }) => Place::Filter,
        Some(Overlay::Form {
            confirm_discard: true,
            ..
        }) => Place::Confirm,
        Some(Overlay::Form { .. }) => Place::Form,
        // The pin reason is a one-line prompt, like the filter's.
        Some(Overlay::Review(r)) if r.reason.is_some() => Place::Filter,
        Some(Overlay::Review(_)) => Place::Review,
        Some(Overlay::Merge(_)) => Place::Merge,
        Some(Overlay::Bulk(b)) if b.confirm.is_some() => Place::Confirm,
        Some(Overlay::Bulk(_)) => Place::Form,
        // A one-line prompt (accept, cancel) and a list to pick from.
        Some(Overlay::ViewName(_)) => Place::Filter,
        Some(Overlay::Views(_)) => Place::Search,
        Some(Overlay::KeyDates(l)) if l.confirm.is_some() => Place::Confirm,
        Some(Overlay::KeyDates(_)) => Place::KeyDates,
        None => Place::pane(state.focus_context()).unwrap_or(Place::List),
    }
}

/// (key, label) pairs for the hint bar, from the action table and the
/// keymap in force: help first, then what the place's own section binds,
/// then the actions worth a hint everywhere they work. An action that does
/// nothing here is never hinted, whatever is bound.
pub fn hints(state: &State) -> Vec<(String, String)> {
    let place = place(state);
    let section = place.section();
    let keymap = &state.keymap;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |action: Action| {
        if let Some(k) = keymap.key_in(place, action) {
            let label = action.name().replace('_', " ");
            if !out.iter().any(|(_, l)| *l == label) {
                out.push((k, label));
            }
        }
    };
    // Help first, so the way to every other key is always on screen.
    push(Action::Help);
    // Conflict keys only while a conflict is shown, and then next.
    let conflict =
        matches!(&state.overlay, Some(Overlay::Form { form, .. }) if form.conflicts() > 0);
    if conflict {
        push(Action::KeepMine);
        push(Action::TakeTheirs);
    }
    for (action, _) in keymap.bindings(section) {
        if action.hint() == Hint::Own {
            push(*action);
        }
    }
    for action in Action::ALL {
        if action.hint() == Hint::Always {
            push(*action);
        }
    }
    out
}

pub fn render(f: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let w = area.width as usize;
    let mut head = vec![
        Span::styled(safe(&state.user), theme.title()),
        Span::raw(" · "),
        Span::raw(safe(&state.db_label)),
        Span::raw(" · as of "),
        Span::raw(state.today.to_string()),
    ];
    let marked = state.list.marks.count();
    if marked > 0 {
        head.push(Span::styled(format!(" · {marked} marked"), theme.key()));
    }
    if let Some(m) = &state.message {
        let style = match m.tone {
            Tone::Info => theme.base(),
            Tone::Ok => theme.ok(),
            Tone::Error => theme.error(),
        };
        let used: usize = head.iter().map(|s| width(&s.content)).sum();
        let room = w.saturating_sub(used + 3);
        let text = safe(&m.text);
        head.push(Span::raw(" │ "));
        // A cut message says where to read it in full (where that key works).
        let more = state
            .keymap
            .key_in(place(state), Action::Messages)
            .map(|k| format!(" {k} messages"))
            .filter(|m| width(&text) > room && room > width(m) + 10);
        match more {
            Some(more) => {
                head.push(Span::styled(fit(&text, room - width(&more)), style));
                head.push(Span::styled(more, theme.key()));
            }
            None => head.push(Span::styled(fit(&text, room), style)),
        }
    }
    // Presence sits at the right of the hint line, so it never takes the
    // message's room; hints give way to it.
    let presence = fit(&safe(&state.presence), w / 2);
    let reserved = if presence.is_empty() {
        0
    } else {
        width(&presence) + 2
    };
    let mut hint_spans = Vec::new();
    let mut used = 0;
    for (k, label) in hints(state) {
        let cost = width(&k) + width(&label) + 3;
        if used + cost + reserved > w {
            break;
        }
        used += cost;
        hint_spans.push(Span::styled(k, theme.key()));
        hint_spans.push(Span::raw(format!(" {label}  ")));
    }
    if !presence.is_empty() {
        hint_spans.push(Span::raw(
            " ".repeat(w.saturating_sub(used + width(&presence))),
        ));
        hint_spans.push(Span::styled(presence, theme.title()));
    }
    let text = vec![Line::from(head), Line::from(hint_spans)];
    f.render_widget(Paragraph::new(text), area);
}

/// Who else is on a shared book, for the status bar: `also here: ann, bob`,
/// and `bob is editing this account` when another session has `focus` open
/// in a form. Empty when this session is alone.
pub fn presence(peers: &[Peer], focus: Option<AccountId>) -> String {
    let mut names: Vec<(String, usize)> = Vec::new();
    for p in peers.iter().filter(|p| !p.me) {
        match names.iter_mut().find(|(n, _)| *n == p.user) {
            Some((_, k)) => *k += 1,
            None => names.push((p.user.clone(), 1)),
        }
    }
    if names.is_empty() {
        return String::new();
    }
    let list: Vec<String> = names
        .iter()
        .map(|(n, k)| {
            if *k > 1 {
                format!("{n} ×{k}")
            } else {
                n.clone()
            }
        })
        .collect();
    let mut s = format!("also here: {}", list.join(", "));
    let mut editors: Vec<&str> = Vec::new();
    for p in peers {
        if !p.me && focus.is_some() && p.editing == focus && !editors.contains(&p.user.as_str()) {
            editors.push(&p.user);
        }
    }
    if !editors.is_empty() {
        let verb = if editors.len() > 1 { "are" } else { "is" };
        s.push_str(&format!(
            " · {} {verb} editing this account",
            editors.join(", ")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(user: &str, editing: Option<u64>, me: bool) -> Peer {
        Peer {
            user: user.into(),
            editing: editing.map(AccountId),
            me,
        }
    }

    #[test]
    fn presence_names_the_others_and_who_edits_the_focused_account() {
        assert_eq!(presence(&[peer("ann", None, true)], Some(AccountId(1))), "");
        let peers = [
            peer("ann", Some(1), true),
            peer("bob", Some(1), false),
            peer("carl", Some(2), false),
            peer("bob", None, false),
        ];
        assert_eq!(
            presence(&peers, Some(AccountId(1))),
            "also here: bob ×2, carl · bob is editing this account"
        );
        assert_eq!(
            presence(&peers, Some(AccountId(3))),
            "also here: bob ×2, carl"
        );
        assert_eq!(presence(&peers, None), "also here: bob ×2, carl");
    }

    #[test]
    fn presence_keeps_to_the_hint_line_and_leaves_the_message_whole() {
        use super::super::keymap::Keymap;
        use super::super::theme::Theme;
        use ratatui::{Terminal, backend::TestBackend};
        let day = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let mut state = State::new(
            "ann",
            "/srv/kam",
            day,
            Keymap::defaults(),
            Theme::new(false),
        );
        state.ok("GLOBEX: Development → Key");
        state.presence = "also here: bob".into();
        let mut term = Terminal::new(TestBackend::new(80, 2)).unwrap();
        term.draw(|f| render(f, f.area(), &state)).unwrap();
        let buf = term.backend().buffer();
        let line = |y: u16| (0..80).map(|x| buf[(x, y)].symbol()).collect::<String>();
        assert!(line(0).contains("GLOBEX: Development → Key"), "{}", line(0));
        assert!(!line(0).contains("also here"));
        assert!(
            line(1).trim_end().ends_with("also here: bob"),
            "{}",
            line(1)
        );
    }
}
