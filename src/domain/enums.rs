//! Closed vocabularies with stable lowercase names (CSV, JSON and scripts
//! depend on these spellings).

/// Declares an enum whose variants have a stable snake_case name, with
/// `as_str`, `parse`, `ALL` and `Display`. Used for every closed vocabulary
/// of the crate (domain enums, segmentation flags and kinds).
macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident { $($var:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize)]
        // Names in human formats (JSON) equal `as_str`; binary formats use
        // the variant index, so this does not touch stored bytes.
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($var),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $s),+ }
            }

            /// Case-insensitive parse of the stable name.
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $(if s.eq_ignore_ascii_case($s) { return Some($name::$var); })+
                None
            }

            /// The accepted names, for error messages.
            pub fn names() -> String {
                [$($s),+].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use named_enum;

named_enum!(
    /// Where an account stands commercially.
    AccountStatus {
        Prospect => "prospect",
        Active => "active",
        Dormant => "dormant",
        Churned => "churned",
        Archived => "archived",
    }
);

named_enum!(
    /// Secondary segmentation (seed 001).
    Orientation {
        Strategic => "strategic",
        Price => "price",
        Solution => "solution",
    }
);

named_enum!(
    /// Place in the customer's decision chain: procurement cares about cost,
    /// business about results, executives about long-term value.
    ContactRole {
        Executive => "executive",
        Business => "business",
        Procurement => "procurement",
        Technical => "technical",
        Finance => "finance",
        User => "user",
        Other => "other",
    }
);

named_enum!(
    /// Kinds of timeline entries.
    InteractionKind {
        Order => "order",
        Payment => "payment",
        Visit => "visit",
        Call => "call",
        Email => "email",
        Meeting => "meeting",
        Complaint => "complaint",
        Resolution => "resolution",
        Survey => "survey",
        Note => "note",
        System => "system",
    }
);

impl InteractionKind {
    /// A touch is direct contact with the customer: it resets the cadence clock.
    pub fn is_touch(self) -> bool {
        matches!(
            self,
            InteractionKind::Visit
                | InteractionKind::Call
                | InteractionKind::Meeting
                | InteractionKind::Email
        )
    }
}

// The variant macro cannot carry `#[default]`, so Default is written out.
#[allow(clippy::derivable_impls)]
impl Default for AccountStatus {
    fn default() -> Self {
        AccountStatus::Active
    }
}

#[allow(clippy::derivable_impls)]
impl Default for ContactRole {
    fn default() -> Self {
        ContactRole::Other
    }
}
