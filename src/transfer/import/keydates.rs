//! Key date rows: matched to a stored date by `id`, else by (account,
//! kind, date); each account's dates become one named value of the batch.

use super::ImportPlan;
use super::plan::Planner;
use super::rows::Row;
use crate::book::keydates::unknown_kind;
use crate::domain::{KeyDate, KeyDateKind, check_keydate_entry, sanitize_keydate};
use crate::store::{MetaValue, StoreError, keydates_name};
use crate::transfer::columns::parse_date;

impl Planner<'_> {
    pub(super) fn add_key_date(&mut self, row: &mut Row) -> Result<(), StoreError> {
        let account = self.linked_account(row)?;
        let kind = row.parse("kind", |s| {
            KeyDateKind::parse(s).ok_or_else(|| unknown_kind(s).reason)
        });
        let on = row.parse("on", parse_date);
        let lead = row.parse("lead_days", |s| match s.trim() {
            "" => Ok(None),
            t => t
                .parse::<u32>()
                .map(Some)
                .map_err(|_| format!("'{t}' is not a number of days")),
        });
        let id = row.parse("id", |s| match s.trim() {
            "" => Ok(0),
            t => t
                .parse::<u64>()
                .map_err(|_| format!("'{t}' is not a key date id")),
        });
        let (Some(account), Some(kind), Some(on)) = (account, kind, on) else {
            return Ok(());
        };
        if row.is_bad() {
            return Ok(());
        }
        let id = id.unwrap_or(0);
        if !self.key_dates.contains_key(&account) {
            let stored = self.store.key_dates_of(account)?;
            self.key_dates.insert(account, stored);
        }
        let list = self.key_dates.get_mut(&account).expect("just inserted");
        let pos = list.items.iter().position(|k| {
            if id != 0 {
                k.id == id
            } else {
                k.kind == kind && k.on == on
            }
        });
        let stored = pos.map(|p| list.items[p].clone());
        let mut k = KeyDate {
            id: stored.as_ref().map_or(0, |s| s.id),
            account,
            kind,
            on,
            lead_days: lead.flatten().unwrap_or_else(|| kind.default_lead()),
            note: String::new(),
        };
        row.set_text("note", &mut k.note);
        if let Err(e) = sanitize_keydate(&mut k)
            .and_then(|()| check_keydate_entry(&k, stored.as_ref(), self.today))
        {
            row.invalid(e);
            return Ok(());
        }
        if k.id == 0 {
            k.id = self.store.reserve_id()?;
        }
        if let Some(k) = self.plan.upsert(stored, k) {
            match pos {
                Some(p) => list.items[p] = k,
                None => list.items.push(k),
            }
        }
        Ok(())
    }

    /// The plan, with every account's changed key dates as one value each.
    /// Accounts whose dates all matched what is stored are left alone.
    pub(super) fn finish(mut self) -> Result<ImportPlan, StoreError> {
        let mut changed: Vec<_> = self.key_dates.drain().collect();
        changed.sort_by_key(|(a, _)| *a);
        for (account, mut list) in changed {
            list.sort();
            if self.store.key_dates_of(account)? == list {
                continue;
            }
            self.plan
                .batch
                .blobs
                .push((keydates_name(account), Some(MetaValue::KeyDates(list))));
        }
        Ok(self.plan)
    }
}
