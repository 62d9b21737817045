//! Saved views: a list filter and sort under a name. Team views are one
//! text value in the store (`views`, TOML, written through `execute` like
//! the model: audited, undoable); personal views are the same TOML in the
//! user's config file (`paths::user_views`), read and written by the front
//! ends. One format for both, so a view moves between them by copy.

use super::ops::Done;
use super::query::SortKey;
use super::query::filter::{Filter, Vocab};
use super::{Book, BookError, RequestId, Result};
use crate::store::MetaValue;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Name of the team's saved views in the store.
pub const META_VIEWS: &str = "views";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedView {
    pub name: String,
    #[serde(default)]
    pub filter: String,
    #[serde(default)]
    pub sort: SortKey,
    #[serde(default)]
    pub reverse: bool,
}

/// A set of views by name (`[[view]]` tables in TOML).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewSet {
    #[serde(default, rename = "view")]
    pub views: Vec<SavedView>,
}

impl ViewSet {
    pub fn from_toml(text: &str) -> std::result::Result<ViewSet, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    pub fn to_toml(&self) -> String {
        // Plain strings and booleans: serialising cannot fail.
        toml::to_string(self).unwrap_or_default()
    }

    pub fn get(&self, name: &str) -> Option<&SavedView> {
        self.views.iter().find(|v| v.name == name)
    }

    /// Adds the view, or replaces the one of the same name; sorted by name.
    pub fn upsert(&mut self, view: SavedView) {
        self.views.retain(|v| v.name != view.name);
        self.views.push(view);
        self.views.sort_by(|a, b| a.name.cmp(&b.name));
    }

    pub fn remove(&mut self, name: &str) -> bool {
        let n = self.views.len();
        self.views.retain(|v| v.name != name);
        self.views.len() != n
    }

    pub fn names(&self) -> String {
        let names: Vec<&str> = self.views.iter().map(|v| v.name.as_str()).collect();
        if names.is_empty() {
            "none".into()
        } else {
            names.join(", ")
        }
    }

    /// A personal views file; none yet is an empty set.
    pub fn read_file(path: &Path) -> std::result::Result<ViewSet, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => ViewSet::from_toml(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ViewSet::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// Writes a personal views file whole (a new file, then renamed over
    /// the old one, so a crash leaves one or the other).
    pub fn write_file(&self, path: &Path) -> std::result::Result<(), String> {
        let fail = |e: std::io::Error| format!("{}: {e}", path.display());
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let tmp = path.with_extension("toml.tmp");
        let text = format!(
            "# kam saved views (personal). `kam views` lists them.\n{}",
            self.to_toml()
        );
        std::fs::write(&tmp, text).map_err(fail)?;
        std::fs::rename(&tmp, path).map_err(fail)
    }
}

impl SortKey {
    /// A sort column by its label (`next due`, `next_due`) or serde name.
    pub fn parse(s: &str) -> Option<SortKey> {
        let want = s.trim().to_lowercase().replace(['_', '-'], " ");
        SortKey::ALL
            .into_iter()
            .find(|k| k.label() == want || format!("{k:?}").to_lowercase() == want.replace(' ', ""))
    }
}

/// A view's name as typed: one line, not empty, short.
pub fn check_name(name: &str) -> std::result::Result<String, String> {
    let name = crate::domain::text::clean_line(name);
    if name.is_empty() {
        return Err("a view needs a name".into());
    }
    if name.chars().count() > 40 {
        return Err("a view's name is at most 40 characters".into());
    }
    Ok(name)
}

impl Book {
    /// The team's saved views.
    pub fn team_views(&self) -> Result<ViewSet> {
        Ok(match self.store().meta_get(META_VIEWS)? {
            Some(b) => ViewSet::from_toml(&String::from_utf8_lossy(&b))
                .map_err(|e| BookError::View(format!("the team's saved views: {e}")))?,
            None => ViewSet::default(),
        })
    }

    /// Saves (`Some`) or deletes (`None`) a team view, as one audited write.
    pub(super) fn save_view(
        &mut self,
        name: String,
        view: Option<SavedView>,
        request: Option<RequestId>,
    ) -> Result<Done> {
        let name = check_name(&name).map_err(BookError::View)?;
        let mut set = self.team_views()?;
        let action = match view {
            Some(mut v) => {
                let tiers = super::query::tiers(self);
                Filter::parse(&v.filter, Vocab { tiers: &tiers })
                    .map_err(|e| BookError::View(format!("filter: {e}")))?;
                v.name = name;
                v.filter = crate::domain::text::clean_line(&v.filter);
                set.upsert(v);
                "save_view"
            }
            None => {
                if !set.remove(&name) {
                    return Err(BookError::View(format!(
                        "no team view '{name}' (team views: {})",
                        set.names()
                    )));
                }
                "delete_view"
            }
        };
        let value = MetaValue::Bytes(set.to_toml().into_bytes());
        let a = self.write_meta(META_VIEWS, value, action, request)?;
        Ok(Done::of(a, action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_round_trip_and_sort_names() {
        let mut set = ViewSet::default();
        set.upsert(SavedView {
            name: "east".into(),
            filter: "region:east tier:key".into(),
            sort: SortKey::Revenue,
            reverse: true,
        });
        set.upsert(SavedView {
            name: "b".into(),
            ..SavedView::default()
        });
        let text = set.to_toml();
        assert!(text.contains("[[view]]"), "{text}");
        let back = ViewSet::from_toml(&text).unwrap();
        assert_eq!(back, set);
        assert_eq!(back.views[0].name, "b", "sorted by name");
        assert_eq!(SortKey::parse("next_due"), Some(SortKey::NextDue));
        assert_eq!(SortKey::parse("Revenue"), Some(SortKey::Revenue));
        assert_eq!(SortKey::parse("colour"), None);
        assert!(check_name(" \u{7} ").is_err());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kam").join("views.toml");
        assert_eq!(ViewSet::read_file(&path).unwrap(), ViewSet::default());
        set.write_file(&path).unwrap();
        assert_eq!(ViewSet::read_file(&path).unwrap(), set);
    }
}
