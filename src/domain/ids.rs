//! Internal record ids. Users see account keys; ids never leave the store
//! except as opaque numbers.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($name:ident) => {
        #[derive(
            Debug,
            Clone,
            Copy,
            Default,
            PartialEq,
            Eq,
            PartialOrd,
            Ord,
            Hash,
            Serialize,
            Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            pub fn to_be_bytes(self) -> [u8; 8] {
                self.0.to_be_bytes()
            }
            pub fn from_be_slice(b: &[u8]) -> Option<Self> {
                Some($name(u64::from_be_bytes(b.get(..8)?.try_into().ok()?)))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(AccountId);
id_type!(ContactId);
id_type!(InteractionId);
id_type!(FollowUpId);
