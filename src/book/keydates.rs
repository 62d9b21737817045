//! Key dates through the book: saved and deleted as one account's named
//! value (`store::keydates_name`), so every change is one audited write that
//! undo restores like a snooze or the model.

use super::{Applied, Book, RequestId, Result};
use crate::domain::{
    AccountId, FieldError, KeyDate, KeyDates, check_keydate_entry, sanitize_keydate,
};
use crate::segment::{AgendaItem, AgendaKind};
use crate::store::{Batch, MetaValue, StoreError, keydates_name};

impl Book {
    /// Every key date of the book, by account then date.
    pub fn key_dates(&self) -> Result<Vec<KeyDate>> {
        Ok(self.store.key_dates()?)
    }

    /// One account's key dates, by date.
    pub fn key_dates_of(&self, account: AccountId) -> Result<Vec<KeyDate>> {
        Ok(self.store.key_dates_of(account)?.items)
    }

    /// Key dates whose lead window holds today, as agenda lines of `owner`'s
    /// accounts (everyone's for `None`).
    pub(super) fn key_date_items(&self, owner: Option<&str>) -> Result<Vec<AgendaItem>> {
        let today = self.clock.today();
        let mut items = Vec::new();
        for k in self.store.key_dates()? {
            // The engine knows each account's owner: no record is read.
            let Some(account_owner) = self.engine.owner(k.account) else {
                continue;
            };
            if owner.is_some_and(|o| account_owner != o) {
                continue;
            }
            let Some(due) = k.due_within_lead(today) else {
                continue;
            };
            let days = (due - today).num_days();
            let when = match days {
                0 => "today".to_string(),
                1 => "tomorrow".to_string(),
                n => format!("in {n} days"),
            };
            let mut text = format!("{} {due} ({when})", k.kind.label());
            let note = crate::domain::text::clean_line(&k.note);
            if !note.is_empty() {
                text = format!("{text}: {note}");
            }
            let score = self.engine.score(k.account);
            let tier = score.map(|s| s.tier).unwrap_or_default();
            let priority = self
                .engine
                .model()
                .tier(&tier)
                .map_or(u32::MAX, |t| t.priority);
            items.push(AgendaItem {
                account: k.account,
                kind: AgendaKind::KeyDate,
                flag: None,
                due,
                days_late: 0,
                tier: tier.into(),
                priority,
                text: text.into(),
                follow_up: None,
                interaction: None,
            });
        }
        Ok(items)
    }

    /// Saves a key date: id 0 adds it with a fresh id, else replaces the
    /// stored one (which may move to another account).
    pub(super) fn save_key_date_op(
        &mut self,
        mut k: KeyDate,
        request: Option<RequestId>,
        checked: bool,
    ) -> Result<Applied> {
        sanitize_keydate(&mut k).map_err(StoreError::Invalid)?;
        if self.account(k.account).is_none() {
            return Err(StoreError::NotFound(format!("account {}", k.account)).into());
        }
        let before = match k.id {
            0 => None,
            id => Some(self.find_key_date(id)?),
        };
        if checked {
            check_keydate_entry(&k, before.as_ref(), self.clock.today())
                .map_err(StoreError::Invalid)?;
        }
        if k.id == 0 {
            k.id = self.store.reserve_id()?;
        }
        let mut blobs = Vec::new();
        if let Some(b) = &before
            && b.account != k.account
        {
            blobs.push(self.without(b.account, k.id)?);
        }
        let mut list = self.store.key_dates_of(k.account)?;
        list.items.retain(|x| x.id != k.id);
        list.items.push(k);
        list.sort();
        blobs.push((
            keydates_name(list_account(&list)),
            Some(MetaValue::KeyDates(list)),
        ));
        let batch = Batch {
            blobs,
            ..Batch::default()
        };
        self.commit(batch, "save_key_date", request, None)
    }

    pub(super) fn delete_key_date_op(
        &mut self,
        id: u64,
        request: Option<RequestId>,
    ) -> Result<Applied> {
        let k = self.find_key_date(id)?;
        let batch = Batch {
            blobs: vec![self.without(k.account, id)?],
            ..Batch::default()
        };
        self.commit(batch, "delete_key_date", request, None)
    }

    /// The stored key date with this id.
    pub fn find_key_date(&self, id: u64) -> Result<KeyDate> {
        self.store
            .key_dates()?
            .into_iter()
            .find(|k| k.id == id)
            .ok_or_else(|| StoreError::NotFound(format!("key date {id}")).into())
    }

    /// `account`'s key dates without `id` (the value goes when none is left).
    fn without(&self, account: AccountId, id: u64) -> Result<(String, Option<MetaValue>)> {
        let mut list = self.store.key_dates_of(account)?;
        list.items.retain(|x| x.id != id);
        let value = (!list.items.is_empty()).then_some(MetaValue::KeyDates(list));
        Ok((keydates_name(account), value))
    }
}

fn list_account(list: &KeyDates) -> AccountId {
    list.items.first().map(|k| k.account).unwrap_or_default()
}

/// A key date's lead: given, or the default of its kind.
pub fn lead_or_default(kind: crate::domain::KeyDateKind, lead: Option<u32>) -> u32 {
    lead.unwrap_or_else(|| kind.default_lead())
}

/// Refusal for a key date that names no known kind.
pub fn unknown_kind(text: &str) -> FieldError {
    FieldError::new(
        "kind",
        format!(
            "'{text}' is not a kind of key date ({})",
            crate::domain::KeyDateKind::names()
        ),
    )
}
