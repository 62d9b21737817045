//! The structured profile ("customer DNA"), one text per section so that
//! different account managers keep records the same way.
//!
//! Most accounts have no profile text, and the book keeps every account in
//! memory: an empty profile is held as one word, not as eight empty strings
//! (192 bytes, a third of an account). Reads see the sections through
//! `Deref` (an empty profile reads as empty sections); writes through
//! `DerefMut` make room for them. Stored, it is the eight strings either way.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::ops::{Deref, DerefMut};

/// The profile's sections, in display and CSV order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileText {
    pub background: String,
    pub finance: String,
    pub organisation: String,
    pub competitors: String,
    pub suppliers: String,
    pub downstream: String,
    pub plans: String,
    pub needs: String,
}

static NO_TEXT: ProfileText = ProfileText {
    background: String::new(),
    finance: String::new(),
    organisation: String::new(),
    competitors: String::new(),
    suppliers: String::new(),
    downstream: String::new(),
    plans: String::new(),
    needs: String::new(),
};

impl ProfileText {
    pub fn get(&self, section: &str) -> Option<&String> {
        Some(match section {
            "background" => &self.background,
            "finance" => &self.finance,
            "organisation" => &self.organisation,
            "competitors" => &self.competitors,
            "suppliers" => &self.suppliers,
            "downstream" => &self.downstream,
            "plans" => &self.plans,
            "needs" => &self.needs,
            _ => return None,
        })
    }

    pub fn get_mut(&mut self, section: &str) -> Option<&mut String> {
        Some(match section {
            "background" => &mut self.background,
            "finance" => &mut self.finance,
            "organisation" => &mut self.organisation,
            "competitors" => &mut self.competitors,
            "suppliers" => &mut self.suppliers,
            "downstream" => &mut self.downstream,
            "plans" => &mut self.plans,
            "needs" => &mut self.needs,
            _ => return None,
        })
    }

    /// Every section, to rewrite them all.
    pub fn sections_mut(&mut self) -> [&mut String; 8] {
        [
            &mut self.background,
            &mut self.finance,
            &mut self.organisation,
            &mut self.competitors,
            &mut self.suppliers,
            &mut self.downstream,
            &mut self.plans,
            &mut self.needs,
        ]
    }

    pub fn is_empty(&self) -> bool {
        self == &NO_TEXT
    }
}

/// An account's profile: its sections, or nothing when they are all empty.
#[derive(Debug, Clone, Default)]
pub struct Profile(Option<Box<ProfileText>>);

impl Profile {
    /// Section names in display and CSV order.
    pub const SECTIONS: [&'static str; 8] = [
        "background",
        "finance",
        "organisation",
        "competitors",
        "suppliers",
        "downstream",
        "plans",
        "needs",
    ];

    /// The sections to change in place, when there is any text (an empty
    /// profile has nothing to clean and is not given room).
    pub fn text_mut(&mut self) -> Option<&mut ProfileText> {
        self.0.as_deref_mut()
    }

    /// Lets go of the room taken by sections that are all empty again.
    pub fn compact(&mut self) {
        if self.0.as_deref().is_some_and(ProfileText::is_empty) {
            self.0 = None;
        }
    }
}

impl From<ProfileText> for Profile {
    fn from(text: ProfileText) -> Profile {
        Profile((!text.is_empty()).then(|| Box::new(text)))
    }
}

impl Deref for Profile {
    type Target = ProfileText;
    fn deref(&self) -> &ProfileText {
        self.0.as_deref().unwrap_or(&NO_TEXT)
    }
}

impl DerefMut for Profile {
    fn deref_mut(&mut self) -> &mut ProfileText {
        self.0.get_or_insert_with(Box::default)
    }
}

/// Equal when every section is: an empty profile equals one whose sections
/// were all emptied.
impl PartialEq for Profile {
    fn eq(&self, other: &Profile) -> bool {
        **self == **other
    }
}

impl Eq for Profile {}

impl Serialize for Profile {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Profile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Profile, D::Error> {
        ProfileText::deserialize(d).map(Profile::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode<T: Serialize>(v: &T) -> Vec<u8> {
        bincode::serde::encode_to_vec(v, bincode::config::standard()).unwrap()
    }

    #[test]
    fn an_empty_profile_takes_one_word_and_reads_as_empty_sections() {
        assert_eq!(std::mem::size_of::<Profile>(), std::mem::size_of::<usize>());
        let p = Profile::default();
        assert_eq!(p.plans, "");
        assert_eq!(p.get("needs").map(String::as_str), Some(""));
        assert!(p.get("nope").is_none());
        assert!(p.0.is_none());
    }

    #[test]
    fn a_profile_is_stored_as_its_eight_sections_either_way() {
        let text = ProfileText {
            plans: "grow in Asia".into(),
            needs: "交货期".into(),
            ..ProfileText::default()
        };
        let p = Profile::from(text.clone());
        assert_eq!(encode(&p), encode(&text));
        assert_eq!(encode(&Profile::default()), encode(&ProfileText::default()));
        let (back, _): (Profile, usize) =
            bincode::serde::decode_from_slice(&encode(&text), bincode::config::standard()).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.needs, "交货期");
        // Read back empty, it holds nothing.
        let (empty, _): (Profile, usize) = bincode::serde::decode_from_slice(
            &encode(&ProfileText::default()),
            bincode::config::standard(),
        )
        .unwrap();
        assert!(empty.0.is_none());
    }

    #[test]
    fn a_written_section_is_kept_and_an_emptied_profile_lets_go() {
        let mut p = Profile::from(ProfileText::default());
        p.background = "pumps".into();
        assert_eq!(p.background, "pumps");
        assert_ne!(p, Profile::default());
        *p.get_mut("background").unwrap() = String::new();
        // Equal before it lets go of its room, and after.
        assert_eq!(p, Profile::default());
        assert!(p.0.is_some());
        p.compact();
        assert!(p.0.is_none());
        assert!(Profile::default().text_mut().is_none());
    }
}
