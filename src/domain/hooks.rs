//! The team's hooks: commands the server runs after a write, with the event
//! as JSON on standard input. Kept as TOML text in the database
//! (`named_blobs` "hooks"), one argument vector per hook:
//!
//! ```toml
//! on_tier_change = ["/usr/local/bin/notify", "--channel", "kam"]
//! ```
//!
//! An argument vector is run without a shell: nothing in it (and nothing a
//! user typed, which only ever travels on stdin) is expanded or interpreted.

use super::enums::named_enum;
use std::collections::BTreeMap;

/// Name of the hooks in `named_blobs`.
pub const META_HOOKS: &str = "hooks";

named_enum!(
    /// When a hook runs.
    HookName {
        OnTierChange => "on_tier_change",
        OnComplaint => "on_complaint",
        OnOverdue => "on_overdue",
    }
);

/// Every hook that is set, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hooks(pub BTreeMap<HookName, Vec<String>>);

impl Hooks {
    /// The stored TOML text; unknown names are ignored (a newer kam's).
    pub fn from_toml(text: &str) -> Result<Hooks, String> {
        let table: BTreeMap<String, Vec<String>> =
            toml::from_str(text).map_err(|e| format!("hooks: {e}"))?;
        Ok(Hooks(
            table
                .into_iter()
                .filter_map(|(k, v)| Some((HookName::parse(&k)?, v)))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        ))
    }

    pub fn to_toml(&self) -> String {
        let table: BTreeMap<&str, &Vec<String>> =
            self.0.iter().map(|(k, v)| (k.as_str(), v)).collect();
        // Strings and arrays of strings always serialise.
        toml::to_string(&table).unwrap_or_default()
    }

    pub fn get(&self, name: HookName) -> Option<&[String]> {
        self.0.get(&name).map(Vec::as_slice)
    }
}

/// Splits a command line into arguments the way a user expects from a
/// shell's quoting (`'…'`, `"…"`, `\`), and nothing else: no variables, no
/// globs, no substitutions, no `;`.
pub fn split_argv(line: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err("unclosed ' quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c) => cur.push(c),
                            None => return Err("unclosed \" quote".into()),
                        },
                        Some(c) => cur.push(c),
                        None => return Err("unclosed \" quote".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    cur.push(c);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    args.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        args.push(cur);
    }
    if args.is_empty() {
        return Err("no command given".into());
    }
    Ok(args)
}

/// An argument vector for messages, quoted where a shell would need it.
pub fn show_argv(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_alphanumeric() || "-_./=:,+@%".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_splits_like_quotes_but_never_expands() {
        assert_eq!(
            split_argv(r#"/bin/x -m 'a b' "c \"d\"" $(rm) ;ls"#).unwrap(),
            ["/bin/x", "-m", "a b", "c \"d\"", "$(rm)", ";ls"]
        );
        assert!(split_argv("  ").is_err());
        assert!(split_argv("x 'y").is_err());
        assert_eq!(show_argv(&["/bin/x".into(), "a b".into()]), "/bin/x 'a b'");
    }

    #[test]
    fn hooks_round_trip_through_toml() {
        let mut h = Hooks::default();
        h.0.insert(HookName::OnComplaint, vec!["/bin/x".into(), "a'b".into()]);
        let back = Hooks::from_toml(&h.to_toml()).unwrap();
        assert_eq!(back, h);
        assert_eq!(back.get(HookName::OnComplaint).unwrap()[1], "a'b");
        assert_eq!(Hooks::from_toml("").unwrap(), Hooks::default());
    }
}
