//! Plain types of key account management. No I/O.

pub mod compact;
pub(crate) mod enums;
pub mod hooks;
mod ids;
mod keydate;
mod marks;
mod money;
mod profile;
mod records;
pub mod rules;
mod shared;
pub mod text;

pub use enums::{AccountStatus, ContactRole, InteractionKind, Orientation};
pub use ids::{AccountId, ContactId, FollowUpId, InteractionId};
pub use keydate::{KeyDate, KeyDateKind, KeyDates};
pub use marks::{ReviewMark, Snooze, Snoozes};
pub use money::{Money, MoneyError};
pub use profile::{Profile, ProfileText};
pub use records::{Account, Contact, FollowUp, Interaction, Ratings, TierPin};
pub use rules::keydate::{check_keydate_entry, sanitize_keydate};
pub use rules::{
    FieldError, check_account_entry, check_followup_entry, check_interaction_entry,
    sanitize_account, sanitize_contact, sanitize_followup, sanitize_interaction, validate_key,
};
pub use shared::{Interner, shared_name};
