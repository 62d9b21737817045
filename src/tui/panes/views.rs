//! Saved views from the list: save the filter and sort under a name, open
//! the list of views, and "my accounts" (owner or backup owner is me) one
//! key away.

use super::super::effect::Effect;
use super::super::filter::Filter;
use super::super::input::LineEdit;
use super::super::keymap::Action;
use super::super::msg::load_list;
use super::super::overlays::views::NamePrompt;
use super::super::state::{Overlay, State};
use crate::book::views::SavedView;

pub fn act(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::SaveView | Action::SaveTeamView => {
            let path = match (action, state.views_path.clone()) {
                (Action::SaveTeamView, _) => None,
                (_, Some(p)) => Some(p),
                (_, None) => {
                    state.error("No config directory for personal views (set XDG_CONFIG_HOME)");
                    return Vec::new();
                }
            };
            let view = SavedView {
                name: String::new(),
                filter: state.list.filter.text().to_string(),
                sort: state.list.sort,
                reverse: state.list.sort_reverse,
            };
            state.overlay = Some(Overlay::ViewName(Box::new(NamePrompt {
                input: LineEdit::new(""),
                view,
                path,
                error: None,
            })));
        }
        Action::Views => {
            return vec![Effect::LoadViews {
                path: state.views_path.clone(),
            }];
        }
        Action::MyAccounts => {
            let mine = format!("who:{}", state.user);
            if state.list.filter.text() == mine {
                state.list.filter = Filter::default();
                state.info("All accounts");
            } else {
                match Filter::parse(&mine, state.vocab()) {
                    Ok(f) => state.list.filter = f,
                    Err(e) => {
                        state.error(e);
                        return Vec::new();
                    }
                }
                state.info(format!(
                    "My accounts: owner or backup owner is {}",
                    state.user
                ));
            }
            state.list.selected = 0;
            state.refilter(None);
            return vec![load_list(state, None)];
        }
        _ => {}
    }
    Vec::new()
}

/// The list as a saved view shows it: its filter and sort.
pub fn apply_view(state: &mut State, v: &SavedView) -> Vec<Effect> {
    match Filter::parse(&v.filter, state.vocab()) {
        Ok(f) => state.list.filter = f,
        Err(e) => {
            state.error(format!("View {}: {e}", v.name));
            return Vec::new();
        }
    }
    state.list.sort = v.sort;
    state.list.sort_reverse = v.reverse;
    state.list.selected = 0;
    state.refilter(None);
    state.info(format!("View {}", v.name));
    vec![load_list(state, None)]
}
