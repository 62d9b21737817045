//! The keymap in force: bindings per section, key lookup with the `[global]`
//! fallback, and the keys to name in hints, help and "press X" text.

use super::actions::{Action, Context, Place};
use super::chord::{KeyChord, KeySeq};
use std::collections::HashMap;

/// What the keys typed so far mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// The start of a longer sequence: wait for the next key.
    Prefix,
    None,
}

/// Bindings per context, in action-table order (help and hints follow it).
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    bindings: HashMap<Context, Vec<(Action, Vec<KeySeq>)>>,
}

impl Keymap {
    pub(super) fn set(&mut self, ctx: Context, action: Action, keys: Vec<KeySeq>) {
        let list = self.bindings.entry(ctx).or_default();
        list.retain(|(a, _)| *a != action);
        list.push((action, keys));
        list.sort_by_key(|(a, _)| *a);
    }

    pub(super) fn unbind(&mut self, ctx: Context, key: &KeySeq) {
        if let Some(list) = self.bindings.get_mut(&ctx) {
            for (_, keys) in list.iter_mut() {
                keys.retain(|k| k != key);
            }
        }
    }

    /// Binds `key` to `action` in `ctx`, taking it from any other action
    /// there, without asking the action table whether the action works in
    /// that section. Keymap files never come this way (`from_texts` asks);
    /// this is for tests that prove the table true to the app.
    pub fn bind_unchecked(&mut self, ctx: Context, action: Action, key: KeySeq) {
        self.unbind(ctx, &key);
        let mut keys: Vec<KeySeq> = self
            .bindings(ctx)
            .iter()
            .filter(|(a, _)| *a == action)
            .flat_map(|(_, ks)| ks.iter().cloned())
            .collect();
        keys.insert(0, key);
        self.set(ctx, action, keys);
    }

    /// The bindings of one context section, in action order.
    pub fn bindings(&self, ctx: Context) -> &[(Action, Vec<KeySeq>)] {
        self.bindings.get(&ctx).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The keys that trigger `action` in `ctx` (including `[global]` ones
    /// for non-modal contexts, unless the context rebinds that key).
    pub fn keys_for(&self, ctx: Context, action: Action) -> Vec<&KeySeq> {
        let mut out = self.own_keys(ctx, action);
        out.extend(self.global_keys(ctx, action));
        out
    }

    /// The keys of `action` written in the section `ctx` itself.
    pub fn own_keys(&self, ctx: Context, action: Action) -> Vec<&KeySeq> {
        self.bindings(ctx)
            .iter()
            .filter(|(a, _)| *a == action)
            .flat_map(|(_, ks)| ks.iter())
            .collect()
    }

    /// The `[global]` keys of `action` that reach the pane section `ctx`
    /// (those the section does not take for itself); none for `[global]`
    /// itself and for modal sections.
    pub fn global_keys(&self, ctx: Context, action: Action) -> Vec<&KeySeq> {
        if ctx.is_modal() || ctx == Context::Global {
            return Vec::new();
        }
        self.own_keys(Context::Global, action)
            .into_iter()
            .filter(|k| self.lookup_in(ctx, &k.0) == Lookup::None)
            .collect()
    }

    /// The first key for `action` in `ctx`, for hints (`?` → "? help").
    pub fn hint(&self, ctx: Context, action: Action) -> Option<String> {
        self.keys_for(ctx, action).first().map(|k| k.to_string())
    }

    /// The keys that make `action` do something in `place`: none when the
    /// action does not work there, whatever is bound.
    pub fn keys_in(&self, place: Place, action: Action) -> Vec<&KeySeq> {
        if !action.works(place) {
            return Vec::new();
        }
        self.keys_for(place.section(), action)
    }

    /// The key to name in text ("Press N to add one"): the first key that
    /// makes `action` work in `place`.
    pub fn key_in(&self, place: Place, action: Action) -> Option<String> {
        self.keys_in(place, action).first().map(|k| k.to_string())
    }

    fn lookup_in(&self, ctx: Context, typed: &[KeyChord]) -> Lookup {
        let mut prefix = false;
        for (a, keys) in self.bindings(ctx) {
            for k in keys {
                if k.0 == typed {
                    return Lookup::Action(*a);
                }
                if k.starts_with(typed) {
                    prefix = true;
                }
            }
        }
        if prefix { Lookup::Prefix } else { Lookup::None }
    }

    /// Resolves the keys typed so far in `ctx`, falling back to `[global]`
    /// outside modal contexts.
    pub fn lookup(&self, ctx: Context, typed: &[KeyChord]) -> Lookup {
        match self.lookup_in(ctx, typed) {
            Lookup::None if !ctx.is_modal() && ctx != Context::Global => {
                self.lookup_in(Context::Global, typed)
            }
            found => found,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Vec<KeyChord> {
        KeySeq::parse(s).unwrap().0
    }

    #[test]
    fn default_keymap_lookups() {
        let map = Keymap::defaults();
        assert_eq!(
            map.lookup(Context::List, &key("j")),
            Lookup::Action(Action::Down)
        );
        assert_eq!(map.lookup(Context::List, &key("g")), Lookup::Prefix);
        assert_eq!(
            map.lookup(Context::List, &key("g g")),
            Lookup::Action(Action::Top)
        );
        // Modal contexts do not fall through to [global]: `q` is typed text.
        assert_eq!(map.lookup(Context::Form, &key("q")), Lookup::None);
        assert_eq!(
            map.lookup(Context::Form, &key("ctrl-s")),
            Lookup::Action(Action::Save)
        );
    }

    #[test]
    fn keys_in_a_place_only_where_the_action_works() {
        let map = Keymap::defaults();
        // `left` is a [global] key: it reaches the list, but does nothing there.
        assert_eq!(
            map.hint(Context::List, Action::Left).as_deref(),
            Some("left")
        );
        assert!(map.keys_in(Place::List, Action::Left).is_empty());
        assert_eq!(
            map.key_in(Place::Matrix, Action::Left).as_deref(),
            Some("left")
        );
        assert_eq!(
            map.key_in(Place::List, Action::NewAccount).as_deref(),
            Some("n")
        );
        assert_eq!(
            map.key_in(Place::Help, Action::Back).as_deref(),
            Some("esc")
        );
    }

    #[test]
    fn bind_unchecked_takes_the_key_and_keeps_the_others() {
        let mut map = Keymap::defaults();
        map.bind_unchecked(
            Context::Matrix,
            Action::MarkDone,
            KeySeq::parse("r").unwrap(),
        );
        assert_eq!(
            map.lookup(Context::Matrix, &key("r")),
            Lookup::Action(Action::MarkDone)
        );
        assert!(map.own_keys(Context::Matrix, Action::MarkReview).is_empty());
        map.bind_unchecked(
            Context::Agenda,
            Action::MarkDone,
            KeySeq::parse("x").unwrap(),
        );
        let keys: Vec<String> = map
            .own_keys(Context::Agenda, Action::MarkDone)
            .iter()
            .map(|k| k.to_string())
            .collect();
        assert_eq!(keys, vec!["x", "d"]);
    }
}
