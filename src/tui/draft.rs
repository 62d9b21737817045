//! Unsaved form text kept across a lost terminal: when the TUI has to stop
//! without the user (the terminal closed, SIGHUP, SIGTERM, an I/O error on
//! the terminal) the open form's fields are written to a draft file, and the
//! next start on the same database offers them again in the same form.

use super::forms::{Form, FormKind};
use crate::domain::{Account, AccountId, FollowUpId, InteractionKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Which form the text was typed into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DraftKind {
    /// `None`: a new account.
    Account(Option<u64>),
    Interaction(u64),
    Contact(u64),
    FollowUp(u64),
    /// The key date as the form read it (id 0: a new one).
    KeyDate(crate::domain::KeyDate),
}

/// One form's typed text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// When it was kept (local time, for the message that offers it).
    pub saved: String,
    pub kind: DraftKind,
    pub completes: Option<u64>,
    /// (field name, text) in form order.
    pub fields: Vec<(String, String)>,
}

impl Draft {
    /// The form's text, if anything in it is unsaved.
    pub fn of(form: &Form, saved: String) -> Option<Draft> {
        if !form.is_dirty() {
            return None;
        }
        let kind = match &form.kind {
            FormKind::Account(a) => DraftKind::Account(a.as_ref().map(|a| a.id.0)),
            FormKind::Interaction(id) => DraftKind::Interaction(id.0),
            FormKind::Contact(id) => DraftKind::Contact(id.0),
            FormKind::FollowUp(id) => DraftKind::FollowUp(id.0),
            FormKind::KeyDate(k) => DraftKind::KeyDate((**k).clone()),
        };
        Some(Draft {
            saved,
            kind,
            completes: form.completes.map(|f| f.0),
            fields: form
                .fields
                .iter()
                .map(|f| (f.name.to_string(), f.value().to_string()))
                .collect(),
        })
    }

    /// The account the form is about (None: a new account).
    pub fn account(&self) -> Option<AccountId> {
        match self.kind {
            DraftKind::Account(id) => id.map(AccountId),
            DraftKind::Interaction(id) | DraftKind::Contact(id) | DraftKind::FollowUp(id) => {
                Some(AccountId(id))
            }
            DraftKind::KeyDate(ref k) => Some(k.account),
        }
    }

    /// The same form again with the kept text. `account` is the account as
    /// it is now (None: it is gone, and so is any form about it).
    pub fn reopen(&self, account: Option<&Account>, user: &str, today: NaiveDate) -> Option<Form> {
        let label = account.map(|a| format!("{} {}", a.key, a.name));
        let mut form = match (&self.kind, account, label) {
            (DraftKind::Account(None), _, _) => Form::account(None, user),
            (DraftKind::Account(Some(_)), Some(a), _) => Form::account(Some(a), user),
            (DraftKind::Interaction(id), Some(_), Some(l)) => {
                Form::interaction(AccountId(*id), &l, InteractionKind::Note, today)
            }
            (DraftKind::Contact(id), Some(_), Some(l)) => Form::contact(AccountId(*id), &l),
            (DraftKind::FollowUp(id), Some(_), Some(l)) => {
                Form::followup(AccountId(*id), &l, user, today)
            }
            (DraftKind::KeyDate(k), Some(_), Some(l)) => {
                Form::key_date(k.account, &l, (k.id != 0).then_some(k))
            }
            _ => return None,
        };
        for (name, text) in &self.fields {
            form.set(name, text);
        }
        form.completes = self.completes.map(FollowUpId);
        form.subtitle = Some(format!("Unsaved text kept on {}", self.saved));
        Some(form)
    }

    /// Writes the draft (replacing an older one), private to the user.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("tmp");
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(&serde_json::to_vec(self).map_err(std::io::Error::other)?)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    }

    /// Takes the kept draft (the file is removed: it is offered once, and
    /// an Esc in the reopened form then asks before discarding it).
    pub fn take(path: &Path) -> Option<Draft> {
        let bytes = std::fs::read(path).ok()?;
        let _ = std::fs::remove_file(path);
        serde_json::from_slice(&bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dirty_form_is_kept_and_reopened_with_its_text() {
        let today = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let acme = Account {
            id: AccountId(7),
            key: "ACME".into(),
            name: "Acme".into(),
            ..Default::default()
        };
        let mut form = Form::interaction(acme.id, "ACME Acme", InteractionKind::Call, today);
        assert_eq!(Draft::of(&form, "now".into()), None, "nothing typed");
        form.set("summary", "called about the renewal, 续约");
        let draft = Draft::of(&form, "2025-03-01 09:00".into()).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("drafts").join("d.json");
        draft.save(&path).unwrap();
        let back = Draft::take(&path).unwrap();
        assert_eq!(back, draft);
        assert!(!path.exists(), "offered once");

        let reopened = back.reopen(Some(&acme), "li", today).unwrap();
        assert_eq!(reopened.get("summary"), "called about the renewal, 续约");
        assert_eq!(reopened.get("kind"), form.get("kind"));
        assert!(reopened.is_dirty(), "Esc asks before discarding it");
        assert_eq!(back.reopen(None, "li", today), None, "account gone");
    }

    #[test]
    fn a_key_date_edit_is_kept_with_its_id() {
        use crate::domain::{KeyDate, KeyDateKind};
        let today = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let acme = Account {
            id: AccountId(7),
            key: "ACME".into(),
            name: "Acme".into(),
            ..Default::default()
        };
        let stored = KeyDate {
            id: 42,
            account: acme.id,
            kind: KeyDateKind::Renewal,
            on: NaiveDate::from_ymd_opt(2025, 1, 31).unwrap(),
            lead_days: 90,
            note: "old".into(),
        };
        let mut form = Form::key_date(acme.id, "ACME Acme", Some(&stored));
        form.set("note", "renegotiated");
        let draft = Draft::of(&form, "now".into()).unwrap();
        assert_eq!(draft.account(), Some(acme.id));
        let mut back = draft.reopen(Some(&acme), "li", today).unwrap();
        assert_eq!(back.get("note"), "renegotiated");
        assert_eq!(back.get("on"), "2025-01-31");
        let super::super::forms::Record::KeyDate(k) = back.submit(today, "li").unwrap() else {
            panic!("not a key date")
        };
        assert_eq!(k.id, 42, "still an edit of the stored date");
    }
}
