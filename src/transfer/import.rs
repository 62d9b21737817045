//! `kam import accounts|contacts|interactions FILE.csv [--dry-run]`.
//!
//! A whole file becomes one `store::Batch` or nothing: every row is parsed and
//! checked first, and any bad row fails the import with `FILE:LINE: column:
//! reason` for each problem. Re-importing the same file changes nothing.

use super::columns::{RecordKind, parse_at, parse_bool, parse_date, parse_money, parse_tags};
use super::contact_index::ContactIndex;
use super::decode::ReadOptions;
pub use super::source::{Source, import_source, plan_source};
use crate::book::{Book, BookError, RequestId, WriteOutcome};
use crate::domain::rules::{RATING, SATISFACTION};
use crate::domain::text::{clean_line, clean_text};
use crate::domain::{
    Account, AccountId, AccountStatus, Contact, ContactId, ContactRole, FieldError, Interaction,
    InteractionId, InteractionKind, Money, Orientation, check_account_entry,
    check_interaction_entry, sanitize_account, sanitize_contact, sanitize_interaction,
};
use crate::store::{Batch, Store, StoreError, fold_key};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// At most this many problems are listed; the rest are counted.
pub const MAX_REPORTED: usize = 50;

/// What an import would write, for the caller to apply (or not, on a dry run).
#[derive(Default)]
pub struct ImportPlan {
    pub batch: Batch,
    pub created: usize,
    pub updated: usize,
    /// Rows identical to what is stored (accounts, contacts) or duplicates of
    /// stored interactions.
    pub skipped: usize,
}

impl ImportPlan {
    /// Counts a row against what is stored (same: skipped; else updated or
    /// created) and hands back the record when it must be written.
    fn upsert<T: PartialEq>(&mut self, stored: Option<T>, new: T) -> Option<T> {
        match stored {
            Some(old) if old == new => {
                self.skipped += 1;
                return None;
            }
            Some(_) => self.updated += 1,
            None => self.created += 1,
        }
        Some(new)
    }
}

/// Bad rows, each as `FILE:LINE: column: reason`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportErrors {
    pub errors: Vec<String>,
    /// Problems found beyond `MAX_REPORTED`.
    pub more: usize,
    /// Which option may fix them (a file in another encoding).
    pub hint: Option<String>,
}

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, e) in self.errors.iter().enumerate() {
            if n > 0 {
                writeln!(f)?;
            }
            f.write_str(e)?;
        }
        if self.more > 0 {
            write!(f, "\n… and {} more", self.more)?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n{h}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    #[error("{0}\nnothing was imported")]
    Rows(ImportErrors),
    #[error("{0}")]
    Header(String),
    #[error("{0}")]
    Io(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The planned rows could not be committed.
    #[error(transparent)]
    Book(#[from] BookError),
}

/// The outcome of `run_import`, for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub kind: RecordKind,
    pub created: usize,
    pub updated: usize,
    pub skipped: usize,
    pub dry_run: bool,
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} created, {} updated, {} skipped",
            self.kind, self.created, self.updated, self.skipped
        )?;
        if self.dry_run {
            f.write_str(" (dry run: nothing written)")?;
        }
        Ok(())
    }
}

/// Plans the import of `input` (CSV; `name` names it in messages) against
/// the book and commits it as one audited write, applied once per request;
/// a dry run only counts. The outcome's `import` holds the counts (None: a
/// resend of an import committed before).
pub fn import_into(
    book: &mut Book,
    kind: RecordKind,
    input: impl std::io::Read,
    name: &str,
    dry_run: bool,
    request: Option<RequestId>,
) -> Result<WriteOutcome, ImportFailure> {
    let mut raw = Vec::new();
    let mut input = input;
    input
        .read_to_end(&mut raw)
        .map_err(|e| ImportFailure::Io(format!("{name}: {e}")))?;
    let source = Source {
        raw: &raw,
        name,
        options: &ReadOptions::default(),
    };
    import_source(book, kind, &source, dry_run, request, &mut |_, _| {})
}

/// Plans the import of `file` and, unless `dry_run`, hands the batch to
/// `apply` (the store directly, or a service layer that also re-scores).
/// `today` is the one clock's day, for the domain's date rules.
pub fn run_import(
    store: &Store,
    kind: RecordKind,
    file: &Path,
    author: &str,
    today: NaiveDate,
    dry_run: bool,
    apply: impl FnOnce(Batch) -> Result<(), StoreError>,
) -> Result<ImportSummary, ImportFailure> {
    let plan = plan_import(store, kind, file, author, today)?;
    let summary = ImportSummary {
        kind,
        created: plan.created,
        updated: plan.updated,
        skipped: plan.skipped,
        dry_run,
    };
    if !dry_run {
        apply(plan.batch)?;
    }
    Ok(summary)
}

/// Reads and checks the whole of `file` and returns what importing it would
/// write. `author` is recorded on interactions that name none (the OS user).
pub fn plan_import(
    store: &Store,
    kind: RecordKind,
    file: &Path,
    author: &str,
    today: NaiveDate,
) -> Result<ImportPlan, ImportFailure> {
    let name = file.display().to_string();
    let f = std::fs::File::open(file).map_err(|e| ImportFailure::Io(format!("{name}: {e}")))?;
    plan_import_from(
        store,
        kind,
        std::io::BufReader::new(f),
        &name,
        author,
        today,
    )
}

/// Like `plan_import`, reading CSV from `input`; `name` is the file name used
/// in messages (the team server receives a client's file as bytes).
pub fn plan_import_from(
    store: &Store,
    kind: RecordKind,
    input: impl std::io::Read,
    name: &str,
    author: &str,
    today: NaiveDate,
) -> Result<ImportPlan, ImportFailure> {
    let mut raw = Vec::new();
    let mut input = input;
    input
        .read_to_end(&mut raw)
        .map_err(|e| ImportFailure::Io(format!("{name}: {e}")))?;
    let source = Source {
        raw: &raw,
        name,
        options: &ReadOptions::default(),
    };
    plan_source(store, kind, &source, author, today, &mut |_, _| {})
}

/// How the header line is read.
pub(super) struct HeaderOptions<'a> {
    pub map: &'a [(String, String)],
    pub skip_unknown: bool,
    pub delimiter: u8,
    /// For a vCard file: the line each card starts on (its row's line).
    pub line_map: Option<&'a [u64]>,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn plan_csv(
    store: &Store,
    kind: RecordKind,
    input: &[u8],
    name: &str,
    columns: &HeaderOptions,
    author: &str,
    today: NaiveDate,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportPlan, ImportFailure> {
    let name = name.to_string();
    let total = input.len() as u64;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(columns.delimiter)
        .has_headers(false)
        // Field counts are checked here, so that the error names the line.
        .flexible(true)
        .from_reader(input);
    let read_err = |e: csv::Error| ImportFailure::Io(format!("{name}: {e}"));

    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record).map_err(read_err)? {
        return Err(ImportFailure::Header(format!(
            "{name}: the file is empty; expected a header line with the columns: {}",
            kind.columns().join(", ")
        )));
    }
    // A JSON export handed back to import: say so rather than list "unknown
    // column '['".
    let first = record.get(0).unwrap_or_default();
    let first = first.strip_prefix(b"\xef\xbb\xbf").unwrap_or(first);
    if matches!(first.trim_ascii_start().first(), Some(b'[' | b'{')) {
        return Err(ImportFailure::Header(format!(
            "{name}:1: this looks like JSON; kam import reads CSV with a header line \
             (export with --format csv to get one)"
        )));
    }
    let header = Header::parse(kind, &name, &record, columns)?;

    let mut planner = Planner::new(store, kind, author, today);
    let mut errors = Errors::new(&name);
    while reader.read_byte_record(&mut record).map_err(read_err)? {
        let mut line = record.position().map_or(0, |p| p.line());
        if let Some(map) = columns.line_map {
            line = map
                .get((line as usize).saturating_sub(2))
                .copied()
                .unwrap_or(line);
        }
        progress(record.position().map_or(0, |p| p.byte()), total);
        if record.len() != header.names.len() {
            errors.push(
                line,
                "row",
                format!(
                    "expected {} fields as in the header, found {}",
                    header.names.len(),
                    record.len()
                ),
            );
            continue;
        }
        let mut fields = Vec::with_capacity(record.len());
        let mut utf8_ok = true;
        for (i, raw) in record.iter().enumerate() {
            match std::str::from_utf8(raw) {
                Ok(s) => fields.push(s),
                Err(_) => {
                    errors.push(line, header.names[i], "invalid UTF-8");
                    utf8_ok = false;
                }
            }
        }
        if !utf8_ok {
            continue;
        }
        let mut row = Row {
            header: &header,
            fields: &fields,
            problems: Vec::new(),
        };
        planner.add(line, &mut row)?;
        for (column, reason) in row.problems {
            errors.push(line, column, reason);
        }
    }
    if errors.is_empty() {
        Ok(planner.plan)
    } else {
        Err(ImportFailure::Rows(errors.finish()))
    }
}

/// Collects problems, keeping the first `MAX_REPORTED`.
struct Errors<'a> {
    file: &'a str,
    list: ImportErrors,
}

impl<'a> Errors<'a> {
    fn new(file: &'a str) -> Self {
        Errors {
            file,
            list: ImportErrors::default(),
        }
    }

    fn push(&mut self, line: u64, column: &str, reason: impl fmt::Display) {
        if self.list.errors.len() < MAX_REPORTED {
            let file = self.file;
            self.list
                .errors
                .push(format!("{file}:{line}: {column}: {reason}"));
        } else {
            self.list.more += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.list.errors.is_empty()
    }

    fn finish(self) -> ImportErrors {
        self.list
    }
}

/// The name of a column `--skip-unknown` ignores (in messages).
const SKIPPED: &str = "(skipped column)";

/// What may help with an unknown header column: the whole header in one
/// column that holds another delimiter, or columns to map or skip.
fn header_advice(text: &str, columns: usize, delimiter: u8) -> String {
    if columns == 1 {
        for (c, option) in [(';', "';'"), ('\t', "'\\t'"), (',', "','")] {
            if text.contains(c) && c as u8 != delimiter {
                return format!(
                    "\nthe whole header is one column containing {option}: try --delimiter {option}"
                );
            }
        }
    }
    "\nrename columns with --map 'Their Name=kam_name', or ignore them with --skip-unknown".into()
}

/// The header line: which known column each field holds.
struct Header {
    names: Vec<&'static str>,
    index: HashMap<&'static str, usize>,
}

impl Header {
    fn parse(
        kind: RecordKind,
        file: &str,
        record: &csv::ByteRecord,
        options: &HeaderOptions,
    ) -> Result<Self, ImportFailure> {
        for (_, to) in options.map {
            if !kind.columns().contains(&to.as_str()) {
                return Err(ImportFailure::Header(format!(
                    "--map: '{to}' is not a column of {kind}; known columns: {}",
                    kind.columns().join(", ")
                )));
            }
        }
        let known = kind.columns();
        let mut names = Vec::with_capacity(record.len());
        let mut index = HashMap::new();
        for (i, raw) in record.iter().enumerate() {
            // Spreadsheets often start UTF-8 files with a byte-order mark.
            let raw = if i == 0 {
                raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw)
            } else {
                raw
            };
            let text = std::str::from_utf8(raw).map_err(|_| {
                ImportFailure::Header(format!("{file}:1: the header is not valid UTF-8"))
            })?;
            let given = text.trim().to_lowercase();
            let wanted = options
                .map
                .iter()
                .find(|(from, _)| *from == given)
                .map_or(given.clone(), |(_, to)| to.clone());
            let Some(&name) = known.iter().find(|k| **k == wanted) else {
                if options.skip_unknown {
                    names.push(SKIPPED);
                    continue;
                }
                return Err(ImportFailure::Header(format!(
                    "{file}:1: unknown column '{}' for {kind}; known columns: {}{}",
                    clean_line(text),
                    known.join(", "),
                    header_advice(text, record.len(), options.delimiter)
                )));
            };
            if index.insert(name, i).is_some() {
                return Err(ImportFailure::Header(format!(
                    "{file}:1: column '{name}' appears more than once"
                )));
            }
            names.push(name);
        }
        if let Some(missing) = kind.required().iter().find(|c| !index.contains_key(*c)) {
            return Err(ImportFailure::Header(format!(
                "{file}:1: missing required column '{missing}' (required for {kind}: {})",
                kind.required().join(", ")
            )));
        }
        Ok(Header { names, index })
    }
}

/// One data row being converted; problems are collected, not returned, so
/// that every bad cell of the row is reported.
struct Row<'a> {
    header: &'a Header,
    fields: &'a [&'a str],
    problems: Vec<(&'static str, String)>,
}

impl<'a> Row<'a> {
    /// The raw text of `column`, or `None` when the file has no such column.
    fn get(&self, column: &str) -> Option<&'a str> {
        self.header.index.get(column).map(|&i| self.fields[i])
    }

    /// Parses `column` if present; a failure is recorded and gives `None`.
    fn parse<T>(
        &mut self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let raw = self.get(column)?;
        match parse(raw) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.problems.push((column, reason));
                None
            }
        }
    }

    /// A required single-line value, cleaned; empty is a problem.
    fn required(&mut self, column: &'static str) -> Option<String> {
        let v = clean_line(self.get(column).unwrap_or_default());
        if v.is_empty() {
            self.problems.push((column, "must not be empty".into()));
            None
        } else {
            Some(v)
        }
    }

    fn set_line(&self, column: &str, target: &mut String) {
        if let Some(v) = self.get(column) {
            *target = clean_line(v);
        }
    }

    fn set_text(&self, column: &str, target: &mut String) {
        if let Some(v) = self.get(column) {
            *target = clean_text(v);
        }
    }

    fn invalid(&mut self, e: FieldError) {
        self.problems.push((e.field, e.reason));
    }

    fn is_bad(&self) -> bool {
        !self.problems.is_empty()
    }
}

fn parse_enum<T>(
    raw: &str,
    parse: fn(&str) -> Option<T>,
    what: &str,
    names: String,
) -> Result<T, String> {
    parse(raw).ok_or_else(|| {
        format!(
            "unknown {what} '{}' (expected one of: {names})",
            clean_line(raw)
        )
    })
}

/// Interactions that are "the same" for re-import: one stored record absorbs
/// one identical row.
type DupKey = (InteractionKind, DateTime<Utc>, Option<Money>, String);

/// Turns rows into the batch, matching them against what is stored.
struct Planner<'s> {
    store: &'s Store,
    kind: RecordKind,
    author: &'s str,
    /// For the domain's date rules.
    today: NaiveDate,
    plan: ImportPlan,
    /// Stored accounts by key (for linking, or for the account upsert).
    accounts: Option<HashMap<String, Account>>,
    /// Account keys seen in this file, lowercased, with their line.
    seen_keys: HashMap<String, u64>,
    /// Stored contacts per account, by e-mail and by name, not yet matched.
    contacts: HashMap<AccountId, ContactIndex>,
    /// Stored account names, lowercased (None: more than one account).
    account_names: Option<HashMap<String, Option<AccountId>>>,
    /// Stored interactions per account, counted by duplicate key.
    interactions: HashMap<AccountId, HashMap<DupKey, usize>>,
}

impl<'s> Planner<'s> {
    fn new(store: &'s Store, kind: RecordKind, author: &'s str, today: NaiveDate) -> Self {
        Planner {
            store,
            kind,
            author,
            today,
            plan: ImportPlan::default(),
            accounts: None,
            seen_keys: HashMap::new(),
            contacts: HashMap::new(),
            account_names: None,
            interactions: HashMap::new(),
        }
    }

    fn add(&mut self, line: u64, row: &mut Row) -> Result<(), StoreError> {
        match self.kind {
            RecordKind::Accounts => self.add_account(line, row),
            RecordKind::Contacts => self.add_contact(row),
            RecordKind::Interactions => self.add_interaction(row),
        }
    }

    fn stored_accounts(&mut self) -> Result<&HashMap<String, Account>, StoreError> {
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
    fn stored_key_ignoring_case(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(match self.store.accounts_ignoring_case(key)?.as_slice() {
            [one] => Some(one.key.clone()),
            _ => None,
        })
    }

    /// The id of the account named in the `account` column, if it exists
    /// (exactly, or as the one key equal to it ignoring case).
    fn linked_account(&mut self, row: &mut Row) -> Result<Option<AccountId>, StoreError> {
        let Some(key) = row.required("account") else {
            return Ok(None);
        };
        let mut found = self.stored_accounts()?.get(&key).map(|a| a.id);
        if found.is_none()
            && let Some(k) = self.stored_key_ignoring_case(&key)?
        {
            found = self.stored_accounts()?.get(&k).map(|a| a.id);
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

    /// The one stored account called `name` (any case), if exactly one is.
    fn account_named(&mut self, name: &str) -> Result<Option<AccountId>, StoreError> {
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

    fn add_account(&mut self, line: u64, row: &mut Row) -> Result<(), StoreError> {
        let key = clean_line(row.get("key").unwrap_or_default());
        let stored = self.stored_accounts()?.get(&key).cloned();
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

    fn add_contact(&mut self, row: &mut Row) -> Result<(), StoreError> {
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
    fn unmatched_contact(
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

    fn add_interaction(&mut self, row: &mut Row) -> Result<(), StoreError> {
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

    fn stored_interactions(
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

/// Lifts a parser so that an empty cell means "absent".
fn opt<T>(parse: impl Fn(&str) -> Result<T, String>) -> impl Fn(&str) -> Result<Option<T>, String> {
    move |s| {
        if s.trim().is_empty() {
            Ok(None)
        } else {
            parse(s).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_list_is_capped_and_counts_the_rest() {
        let mut e = Errors::new("f.csv");
        for line in 2..(2 + MAX_REPORTED as u64 + 3) {
            e.push(line, "at", "bad");
        }
        let list = e.finish();
        assert_eq!(list.errors.len(), MAX_REPORTED);
        assert_eq!(list.more, 3);
        let text = list.to_string();
        assert!(text.starts_with("f.csv:2: at: bad\nf.csv:3: at: bad\n"));
        assert!(text.ends_with("f.csv:51: at: bad\n… and 3 more"));
    }

    #[test]
    fn empty_cells_are_absent_for_optional_parsers() {
        let p = opt(parse_date);
        assert_eq!(p(" "), Ok(None));
        assert!(p("2024-13-01").is_err());
        assert!(p("2024-12-01").unwrap().is_some());
    }

    #[test]
    fn enum_errors_list_the_names() {
        assert_eq!(
            parse_enum(
                "lunch",
                InteractionKind::parse,
                "kind",
                InteractionKind::names()
            )
            .unwrap_err(),
            format!(
                "unknown kind 'lunch' (expected one of: {})",
                InteractionKind::names()
            )
        );
    }
}
