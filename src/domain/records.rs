//! The records of key account management (DESIGN.md §2).

use super::compact;
use super::enums::{AccountStatus, ContactRole, InteractionKind, Orientation};
use super::ids::{AccountId, ContactId, FollowUpId, InteractionId};
use super::money::Money;
use super::profile::Profile;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// Manual 0–5 ratings by the account manager. `None` = not rated yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratings {
    pub potential: Option<u8>,
    pub loyalty: Option<u8>,
    pub strategic_fit: Option<u8>,
    pub tech_cooperation: Option<u8>,
}

/// A tier set by hand, overriding the computed one (which is still shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierPin {
    pub tier: String,
    pub reason: String,
    pub by: String,
    #[serde(with = "compact::date")]
    pub at: NaiveDate,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    /// Optimistic-concurrency version, bumped by the store on every write.
    pub version: u64,
    /// Unique, user-visible key (e.g. `ACME-001`).
    pub key: String,
    pub name: String,
    pub owner: String,
    pub backup_owner: String,
    pub industry: String,
    pub region: String,
    pub status: AccountStatus,
    #[serde(with = "compact::opt_date")]
    pub since: Option<NaiveDate>,
    pub orientation: Option<Orientation>,
    pub ratings: Ratings,
    pub profile: Profile,
    pub tags: Vec<String>,
    /// Boxed: most accounts have none, and an empty pin took 80 bytes.
    pub pin: Option<Box<TierPin>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub version: u64,
    pub account: AccountId,
    pub name: String,
    pub title: String,
    pub role: ContactRole,
    pub email: String,
    pub phone: String,
    pub primary: bool,
    pub backup: bool,
    #[serde(with = "compact::opt_date")]
    pub left_at: Option<NaiveDate>,
}

impl Contact {
    /// Still with the customer as of `day`.
    pub fn is_active(&self, day: NaiveDate) -> bool {
        self.left_at.is_none_or(|d| d > day)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interaction {
    pub id: InteractionId,
    pub version: u64,
    pub account: AccountId,
    pub kind: InteractionKind,
    #[serde(with = "compact::timestamp")]
    pub at: DateTime<Utc>,
    /// Orders: invoiced amount. Payments: amount received.
    pub amount: Option<Money>,
    /// Orders: gross margin.
    pub margin: Option<Money>,
    /// Orders: payment due date.
    #[serde(with = "compact::opt_date")]
    pub due: Option<NaiveDate>,
    /// Orders: date paid in full.
    #[serde(with = "compact::opt_date")]
    pub paid_at: Option<NaiveDate>,
    /// Surveys: 1–5.
    pub satisfaction: Option<u8>,
    pub summary: String,
    pub author: String,
    /// A follow-up asked for by this interaction (shows on the agenda).
    #[serde(with = "compact::opt_date")]
    pub follow_up: Option<NaiveDate>,
}

impl Interaction {
    /// A blank interaction of `kind` on `day` at midnight UTC.
    pub fn new(account: AccountId, kind: InteractionKind, day: NaiveDate) -> Self {
        Interaction {
            id: InteractionId(0),
            version: 0,
            account,
            kind,
            at: day.and_time(NaiveTime::MIN).and_utc(),
            amount: None,
            margin: None,
            due: None,
            paid_at: None,
            satisfaction: None,
            summary: String::new(),
            author: String::new(),
            follow_up: None,
        }
    }

    pub fn day(&self) -> NaiveDate {
        self.at.date_naive()
    }
}

/// A manual follow-up on the agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub id: FollowUpId,
    pub version: u64,
    pub account: AccountId,
    #[serde(with = "compact::date")]
    pub due: NaiveDate,
    pub assignee: String,
    pub note: String,
    #[serde(with = "compact::opt_date")]
    pub done_at: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_without_profile_or_pin_is_small() {
        // The book keeps every account in memory (100k at scale): an empty
        // profile and a missing pin take a word each, not 192 + 80 bytes.
        let size = std::mem::size_of::<Account>();
        assert!(size <= 216, "Account is {size} bytes");
    }
}
