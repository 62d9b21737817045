//! Text many records repeat (owners, regions, tier names), held once.

use std::sync::Arc;

/// Equal strings as one shared copy: at 100k accounts a copy of an owner's
/// or a tier's name per account was megabytes of the same few words.
#[derive(Debug, Default)]
pub struct Interner(std::collections::HashSet<Arc<str>>);

impl Interner {
    pub fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(kept) = self.0.get(s) {
            return Arc::clone(kept);
        }
        let new: Arc<str> = Arc::from(s);
        self.0.insert(Arc::clone(&new));
        new
    }
}

/// `name` as one of `names` where it is one, else a copy of its own (for a
/// short fixed list such as a model's tiers).
pub fn shared_name(names: &[Arc<str>], name: &str) -> Arc<str> {
    match names.iter().find(|n| ***n == *name) {
        Some(n) => Arc::clone(n),
        None => name.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_text_is_one_copy() {
        let mut same = Interner::default();
        let a = same.get("ann");
        assert!(Arc::ptr_eq(&a, &same.get("ann")));
        assert!(!Arc::ptr_eq(&a, &same.get("bob")));
        let names = [a.clone()];
        assert!(Arc::ptr_eq(&shared_name(&names, "ann"), &a));
        assert_eq!(&*shared_name(&names, "zoe"), "zoe");
    }
}
