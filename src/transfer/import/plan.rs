//! The planner: checked rows against what the store holds — created,
//! updated or skipped, keys unique ignoring case, interactions deduplicated —
//! into one batch to write all at once or not at all.

use super::ImportPlan;
use super::rows::{Row, opt, parse_enum};
use crate::domain::rules::{RATING, SATISFACTION};
use crate::domain::text::clean_line;
use crate::domain::{
    Account, AccountId, AccountStatus, Contact, ContactId, ContactRole, Interaction, InteractionId,
    InteractionKind, Money, Orientation, check_account_entry, check_interaction_entry,
    sanitize_account, sanitize_contact, sanitize_interaction,
};
use crate::store::{Store, StoreError, fold_key};
use crate::transfer::columns::{
    RecordKind, parse_at, parse_bool, parse_date, parse_money, parse_tags,
};
use crate::transfer::contact_index::ContactIndex;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

/// Interactions that are "the same" for re-import: one stored record absorbs
/// one identical row.
pub(super) type DupKey = (InteractionKind, DateTime<Utc>, Option<Money>, String);

/// Turns rows into the batch, matching them against what is stored.
pub(super) struct Planner<'s> {
    pub(super) store: &'s Store,
    pub(super) kind: RecordKind,
    pub(super) author: &'s str,
    /// For the domain's date rules.
    pub(super) today: NaiveDate,
    pub(super) plan: ImportPlan,
    /// Every stored account by key, read only to match a vCard's
    /// organisation by name.
    pub(super) accounts: Option<HashMap<String, Account>>,
    /// Account ids by key as rows named them (None: no such key), read from
    /// the key index once per key: a small import into a large book does
    /// not decode every account.
    pub(super) linked: HashMap<String, Option<AccountId>>,
    /// Account keys seen in this file, lowercased, with their line.
    pub(super) seen_keys: HashMap<String, u64>,
    /// Stored contacts per account, by e-mail and by name, not yet matched.
    pub(super) contacts: HashMap<AccountId, ContactIndex>,
    /// Stored account names, lowercased (None: more than one account).
    pub(super) account_names: Option<HashMap<String, Option<AccountId>>>,
    /// Stored interactions per account, counted by duplicate key.
    pub(super) interactions: HashMap<AccountId, HashMap<DupKey, usize>>,
    /// Key dates per account as the import leaves them (see `keydates`).
    pub(super) key_dates: HashMap<AccountId, crate::domain::KeyDates>,
}

impl<'s> Planner<'s> {
    pub(super) fn new(
        store: &'s Store,
        kind: RecordKind,
        author: &'s str,
        today: NaiveDate,
    ) -> Self {
        Planner {
            store,
            kind,
            author,
            today,
            plan: ImportPlan::default(),
            accounts: None,
            linked: HashMap::new(),
            seen_keys: HashMap::new(),
            contacts: HashMap::new(),
            account_names: None,
            interactions: HashMap::new(),
            key_dates: HashMap::new(),
        }
    }

    pub(super) fn add(&mut self, line: u64, row: &mut Row) -> Result<(), StoreError> {
        match self.kind {
            RecordKind::Accounts => self.add_account(line, row),
            RecordKind::Contacts => self.add_contact(row),
            RecordKind::Interactions => self.add_interaction(row),
            RecordKind::KeyDates => self.add_key_date(row),
        }
    }

    pub(super) fn stored_accounts(&mut self) -> Result<&HashMap<String, Account>, StoreError> {
        if self.accounts.is_none() {
            let map = self
                .store
                .accounts()?
                .into_iter()
                .map(|a| (a.key.clone(), a))
                .collect();
            self.accounts = Some(map);
        }
        Ok(self.accounts.get_or_insert_with(HashMap::new))
    }

    /// The stored account whose key equals `key` ignoring case, when
    /// exactly one does (keys are matched as the CLI's lookups match them):
    /// one lookup in the store's folded key index.
    pub(super) fn stored_key_ignoring_case(
        &mut self,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(match self.store.accounts_ignoring_case(key)?.as_slice() {
            [one] => Some(one.key.clone()),
            _ => None,
        })
    }

    /// The id of the account named in the `account` column, if it exists
    /// (exactly, or as the one key equal to it ignoring case).
    pub(super) fn linked_account(
        &mut self,
        row: &mut Row,
    ) -> Result<Option<AccountId>, StoreError> {
        let Some(key) = row.required("account") else {
            return Ok(None);
        };
        let mut found = self.account_id(&key)?;
        if found.is_none()
            && let Some(k) = self.stored_key_ignoring_case(&key)?
        {
            found = self.account_id(&k)?;
        }
        if found.is_none() {
            // A vCard names the account by its name (ORG).
            found = self.account_named(&key)?;
        }
        if found.is_none() {
            row.problems
                .push(("account", format!("unknown account key '{key}'")));
        }
        Ok(found)
    }

    /// The id of the stored account with key `key`, read once per key.
    fn account_id(&mut self, key: &str) -> Result<Option<AccountId>, StoreError> {
        if let Some(id) = self.linked.get(key) {
            return Ok(*id);
        }
        let id = self.store.account_id_by_key(key)?;
        self.linked.insert(key.to_string(), id);
        Ok(id)
    }

    /// The one stored account called `name` (any case), if exactly one is.
    pub(super) fn account_named(&mut self, name: &str) -> Result<Option<AccountId>, StoreError> {
        if self.account_names.is_none() {
            let mut names: HashMap<String, Option<AccountId>> = HashMap::new();
            for a in self.stored_accounts()?.values() {
                names
                    .entry(a.name.to_lowercase())
                    .and_modify(|v| *v = None)
                    .or_insert(Some(a.id));
            }
            self.account_names = Some(names);
        }
        Ok(self
            .account_names
            .as_ref()
            .and_then(|m| m.get(&name.to_lowercase()).copied().flatten()))
    }

    pub(super) fn add_account(&mut self, line: u64, row: &mut Row) -> Result<(), StoreError> {
        let key = clean_line(row.get("key").unwrap_or_default());
        // Each key once per file (a second is refused below): no cache.
        let stored = self.store.account_by_key(&key)?;
        // An existing account keeps its id, version and everything the file
        // has no column for (e.g. a tier pin).
        let mut a = stored.clone().unwrap_or_else(|| Account {
            key: key.clone(),
            ..Default::default()
        });
        row.set_line("name", &mut a.name);
        row.set_line("owner", &mut a.owner);
        row.set_line("backup_owner", &mut a.backup_owner);
        row.set_line("industry", &mut a.industry);
        row.set_line("region", &mut a.region);
        if let Some(s) = row.parse("status", |s| {
            if s.trim().is_empty() {
                Ok(AccountStatus::Active)
            } else {
                parse_enum(s, AccountStatus::parse, "status", AccountStatus::names())
            }
        }) {
            a.status = s;
        }
        if let Some(d) = row.parse("since", opt(parse_date)) {
            a.since = d;
        }
        if let Some(o) = row.parse(
            "orientation",
            opt(|s| parse_enum(s, Orientation::parse, "orientation", Orientation::names())),
        ) {
            a.orientation = o;
        }
        let rating = |s: &str| RATING.parse(s);
        if let Some(v) = row.parse("potential", rating) {
            a.ratings.potential = v;
        }
        if let Some(v) = row.parse("loyalty", rating) {
            a.ratings.loyalty = v;
        }
        if let Some(v) = row.parse("strategic_fit", rating) {
            a.ratings.strategic_fit = v;
        }
        if let Some(v) = row.parse("tech_cooperation", rating) {
            a.ratings.tech_cooperation = v;
        }
        if let Some(tags) = row.get("tags") {
            a.tags = parse_tags(tags);
        }
        for section in crate::domain::Profile::SECTIONS {
            if let Some(target) = a.profile.get_mut(section) {
                row.set_text(section, target);
            }
        }
        if row.is_bad() {
            return Ok(());
        }
        // The domain's rules, as a form applies them.
        if let Err(e) = sanitize_account(&mut a)
            .and_then(|()| check_account_entry(&a, stored.as_ref(), self.today))
        {
            row.invalid(e);
            return Ok(());
        }
        if let Some(first) = self.seen_keys.insert(fold_key(&a.key), line) {
            row.problems.push((
                "key",
                format!("duplicate key '{}' (first on line {first})", a.key),
            ));
            return Ok(());
        }
        // A new key that differs from a stored one only in case is almost
        // always the same customer typed differently: refuse the near-twin.
        if stored.is_none()
            && let Some(k) = self.stored_key_ignoring_case(&a.key)?
        {
            row.problems.push((
                "key",
                format!(
                    "'{}' differs only in case from the existing account '{k}'; \
                     use '{k}' to update it",
                    a.key
                ),
            ));
            return Ok(());
        }
        if let Some(a) = self.plan.upsert(stored, a) {
            self.plan.batch.accounts.push(a);
        }
        Ok(())
    }

    pub(super) fn add_contact(&mut self, row: &mut Row) -> Result<(), StoreError> {
        let account = self.linked_account(row)?;
        let name = clean_line(row.get("name").unwrap_or_default());
        // Same (account, name) as a stored contact → update it. Repeated
        // names pair up with stored contacts oldest first, so re-importing an
        // export matches every contact to itself.
        let stored = match account {
            Some(id) => {
                let email = clean_line(row.get("email").unwrap_or_default());
                self.unmatched_contact(id, &name, &email)?
            }
            None => None,
        };
        let mut c = stored.clone().unwrap_or_else(|| Contact {
            id: ContactId(0),
            account: account.unwrap_or_default(),
            name: name.clone(),
            ..Default::default()
        });
        // Matched by e-mail: the row may rename the contact.
        if !name.is_empty() {
            c.name = name.clone();
        }
        row.set_line("title", &mut c.title);
        if let Some(r) = row.parse("role", |s| {
            if s.trim().is_empty() {
                Ok(ContactRole::Other)
            } else {
                parse_enum(s, ContactRole::parse, "role", ContactRole::names())
            }
        }) {
            c.role = r;
        }
        row.set_line("email", &mut c.email);
        row.set_line("phone", &mut c.phone);
        if let Some(b) = row.parse("primary", parse_bool) {
            c.primary = b;
        }
        if let Some(b) = row.parse("backup", parse_bool) {
            c.backup = b;
        }
        if let Some(d) = row.parse("left_at", opt(parse_date)) {
            c.left_at = d;
        }
        if let Err(e) = sanitize_contact(&mut c) {
            row.invalid(e);
        }
        if row.is_bad() {
            return Ok(());
        }
        if let Some(c) = self.plan.upsert(stored, c) {
            self.plan.batch.contacts.push(c);
        }
        Ok(())
    }

    /// The stored contact a row updates: the one with its e-mail, else the
    /// oldest unmatched one with its name. Each stored contact is matched
    /// once, through per-account indexes (no scan per row).
    pub(super) fn unmatched_contact(
        &mut self,
        account: AccountId,
        name: &str,
        email: &str,
    ) -> Result<Option<Contact>, StoreError> {
        if !self.contacts.contains_key(&account) {
            let stored = self.store.contacts_of(account)?;
            self.contacts.insert(account, ContactIndex::new(stored));
        }
        Ok(self
            .contacts
            .get_mut(&account)
            .and_then(|ix| ix.take(name, email)))
    }

    pub(super) fn add_interaction(&mut self, row: &mut Row) -> Result<(), StoreError> {
        let account = self.linked_account(row)?;
        let kind = row.required("kind").and_then(|k| {
            match parse_enum(&k, InteractionKind::parse, "kind", InteractionKind::names()) {
                Ok(k) => Some(k),
                Err(reason) => {
                    row.problems.push(("kind", reason));
                    None
                }
            }
        });
        let at = row.required("at").and_then(|s| match parse_at(&s) {
            Ok(t) => Some(t),
            Err(reason) => {
                row.problems.push(("at", reason));
                None
            }
        });
        let amount = row.parse("amount", parse_money).flatten();
        let margin = row.parse("margin", parse_money).flatten();
        let due = row.parse("due", opt(parse_date)).flatten();
        let paid_at = row.parse("paid_at", opt(parse_date)).flatten();
        let satisfaction = row
            .parse("satisfaction", |s| SATISFACTION.parse(s))
            .flatten();
        let follow_up = row.parse("follow_up", opt(parse_date)).flatten();
        let (Some(account), Some(kind), Some(at)) = (account, kind, at) else {
            return Ok(());
        };
        if row.is_bad() {
            return Ok(());
        }
        let mut author = clean_line(row.get("author").unwrap_or_default());
        if author.is_empty() {
            author = self.author.to_string();
        }
        let mut i = Interaction {
            id: InteractionId(0),
            version: 0,
            account,
            kind,
            at,
            amount,
            margin,
            due,
            paid_at,
            satisfaction,
            summary: row.get("summary").unwrap_or_default().to_string(),
            author,
            follow_up,
        };
        if let Err(e) = sanitize_interaction(&mut i) {
            row.invalid(e);
            return Ok(());
        }
        let key: DupKey = (i.kind, i.at, i.amount, i.summary.clone());
        let today = self.today;
        let stored = self.stored_interactions(account)?;
        match stored.get_mut(&key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                self.plan.skipped += 1;
            }
            // A new entry meets the date rules a form applies to it.
            _ => match check_interaction_entry(&i, None, today) {
                Err(e) => row.invalid(e),
                Ok(()) => {
                    self.plan.created += 1;
                    self.plan.batch.interactions.push(i);
                }
            },
        }
        Ok(())
    }

    pub(super) fn stored_interactions(
        &mut self,
        account: AccountId,
    ) -> Result<&mut HashMap<DupKey, usize>, StoreError> {
        if !self.interactions.contains_key(&account) {
            let mut counts: HashMap<DupKey, usize> = HashMap::new();
            for i in self.store.interactions_of(account)? {
                *counts
                    .entry((i.kind, i.at, i.amount, i.summary))
                    .or_default() += 1;
            }
            self.interactions.insert(account, counts);
        }
        Ok(self.interactions.entry(account).or_default())
    }
}
