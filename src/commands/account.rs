//! `kam account set KEY FIELD=VALUE…`: an account edit from the shell. The
//! fields are the CSV columns (`transfer::columns::ACCOUNT_COLUMNS`), read
//! with the import's value parsers; the edit goes through `Book::execute`
//! with the account as read as its base, so the domain's rules apply as for
//! the form and a change someone made meanwhile is merged, not lost.

use super::run::print_changes;
use super::{CmdEnv, CmdResult, CommandError};
use crate::book::{Book, WriteOp};
use crate::domain::rules::RATING;
use crate::domain::text::{clean_line, clean_text};
use crate::domain::{Account, AccountStatus, Orientation, Profile};
use crate::transfer::columns::{ACCOUNT_COLUMNS, parse_date, parse_tags};

pub fn set(
    book: &mut Book,
    key: &str,
    fields: &[(String, String)],
    env: &mut dyn CmdEnv,
) -> CmdResult {
    if fields.is_empty() {
        return Err(CommandError::new(
            super::ErrorKind::Usage,
            "give at least one FIELD=VALUE",
        ));
    }
    let base = book.find_account(key)?.into_owned();
    let mut edited = base.clone();
    for (field, value) in fields {
        apply(&mut edited, field, value)?;
    }
    let key = base.key.clone();
    if edited == base && !book.seen_request(env.request())? {
        writeln!(env.out(), "{key}: nothing to change")?;
        return Ok(());
    }
    let op = WriteOp::SaveAccount {
        base: Some(base),
        account: edited,
    };
    let outcome = book.execute(op, env.request())?;
    let stored = book
        .account_by_key(&key)
        .map(std::borrow::Cow::into_owned)
        .unwrap_or_default();
    for (field, _) in fields {
        let shown = shown(&stored, field.trim());
        writeln!(env.out(), "{key}: {} = {shown}", field.trim())?;
    }
    if !outcome.merged.is_empty() {
        writeln!(
            env.out(),
            "{key}: kept meanwhile changes by others to {}",
            outcome.merged.join(", ")
        )?;
    }
    print_changes(book, &outcome.tier_changes, env.out())
}

/// Sets one column's value on `a`, parsed as the import parses it.
pub(super) fn apply(a: &mut Account, field: &str, value: &str) -> Result<(), CommandError> {
    let field = field.trim();
    let bad = |reason: String| CommandError::invalid(format!("{field}: {reason}"));
    match field {
        "key" => {
            return Err(bad(
                "the key names the account and cannot be set here".into()
            ));
        }
        "name" => a.name = clean_line(value),
        "owner" => a.owner = clean_line(value),
        "backup_owner" => a.backup_owner = clean_line(value),
        "industry" => a.industry = clean_line(value),
        "region" => a.region = clean_line(value),
        "status" => {
            a.status = if value.trim().is_empty() {
                AccountStatus::default()
            } else {
                AccountStatus::parse(value).ok_or_else(|| {
                    bad(format!(
                        "unknown status '{}' (expected one of: {})",
                        clean_line(value),
                        AccountStatus::names()
                    ))
                })?
            }
        }
        "since" => {
            a.since = match value.trim() {
                "" => None,
                v => Some(parse_date(v).map_err(bad)?),
            }
        }
        "orientation" => {
            a.orientation = match value.trim() {
                "" => None,
                v => Some(Orientation::parse(v).ok_or_else(|| {
                    bad(format!(
                        "unknown orientation '{}' (expected one of: {})",
                        clean_line(v),
                        Orientation::names()
                    ))
                })?),
            }
        }
        "potential" => a.ratings.potential = RATING.parse(value).map_err(bad)?,
        "loyalty" => a.ratings.loyalty = RATING.parse(value).map_err(bad)?,
        "strategic_fit" => a.ratings.strategic_fit = RATING.parse(value).map_err(bad)?,
        "tech_cooperation" => a.ratings.tech_cooperation = RATING.parse(value).map_err(bad)?,
        "tags" => a.tags = parse_tags(value),
        section => match a.profile.get_mut(section) {
            Some(text) => *text = clean_text(value),
            None => {
                return Err(CommandError::invalid(format!(
                    "unknown field '{field}' (fields: {})",
                    ACCOUNT_COLUMNS[1..].join(", ")
                )));
            }
        },
    }
    Ok(())
}

/// A field's stored value as the CSV export writes it.
fn shown(a: &Account, field: &str) -> String {
    let cells = crate::transfer::export::account_cells(a);
    let text = ACCOUNT_COLUMNS
        .iter()
        .position(|c| *c == field)
        .map(|i| cells[i].to_csv())
        .unwrap_or_default();
    if Profile::SECTIONS.contains(&field) {
        return text.lines().next().unwrap_or_default().to_string();
    }
    text
}
