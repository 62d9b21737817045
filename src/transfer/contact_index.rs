//! The stored contacts of one account, indexed for an import: a row finds
//! its contact by e-mail or by name in constant time, never by a scan.

use crate::domain::{Contact, ContactId};
use std::collections::{HashMap, VecDeque};

/// One account's stored contacts, by e-mail (lowercased) and by name
/// (oldest first), each handed out once.
pub(super) struct ContactIndex {
    records: HashMap<ContactId, Contact>,
    by_email: HashMap<String, ContactId>,
    by_name: HashMap<String, VecDeque<ContactId>>,
}

impl ContactIndex {
    pub(super) fn new(mut stored: Vec<Contact>) -> Self {
        stored.sort_by_key(|c| c.id);
        let mut ix = ContactIndex {
            records: HashMap::new(),
            by_email: HashMap::new(),
            by_name: HashMap::new(),
        };
        for c in stored {
            if !c.email.is_empty() {
                ix.by_email.entry(c.email.to_lowercase()).or_insert(c.id);
            }
            ix.by_name
                .entry(c.name.clone())
                .or_default()
                .push_back(c.id);
            ix.records.insert(c.id, c);
        }
        ix
    }

    pub(super) fn take(&mut self, name: &str, email: &str) -> Option<Contact> {
        let by_email = (!email.is_empty())
            .then(|| self.by_email.get(&email.to_lowercase()).copied())
            .flatten()
            .filter(|id| self.records.contains_key(id));
        let id = match by_email {
            Some(id) => Some(id),
            None => {
                let queue = self.by_name.get_mut(name)?;
                loop {
                    let id = queue.pop_front()?;
                    if self.records.contains_key(&id) {
                        break Some(id);
                    }
                }
            }
        }?;
        self.records.remove(&id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(id: u64, name: &str, email: &str) -> Contact {
        Contact {
            id: ContactId(id),
            name: name.into(),
            email: email.into(),
            ..Contact::default()
        }
    }

    #[test]
    fn email_wins_and_each_contact_is_taken_once() {
        let mut ix = ContactIndex::new(vec![
            contact(2, "Li", "li@x.test"),
            contact(1, "Li", ""),
            contact(3, "Bo", "bo@x.test"),
        ]);
        // A renamed contact found by its e-mail, any case.
        assert_eq!(ix.take("Li Wei", "LI@x.test").unwrap().id, ContactId(2));
        // The other "Li" by name; the e-mail match is not handed out twice.
        assert_eq!(ix.take("Li", "li@x.test").unwrap().id, ContactId(1));
        assert!(ix.take("Li", "").is_none());
        assert_eq!(ix.take("Bo", "").unwrap().id, ContactId(3));
        assert!(ix.take("Bo", "bo@x.test").is_none());
    }
}
