//! Plain types of key account management. No I/O.

pub mod compact;
pub(crate) mod enums;
mod ids;
mod money;
mod records;
pub mod text;
mod validate;

pub use enums::{AccountStatus, ContactRole, InteractionKind, Orientation};
pub use ids::{AccountId, ContactId, FollowUpId, InteractionId};
pub use money::{Money, MoneyError};
pub use records::{Account, Contact, FollowUp, Interaction, Profile, Ratings, TierPin};
pub use validate::{
    FieldError, sanitize_account, sanitize_contact, sanitize_interaction, validate_key,
};
