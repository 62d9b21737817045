//! Incremental recalculation equals a full rebuild after any edit sequence,
//! and the reported tier changes are exactly the tiers that differ. A
//! `Reopen` step snapshots the engine's inputs through the store's envelope
//! (as the book saves them), restores an engine from the records and that
//! snapshot, and carries on editing the restored engine.

use chrono::{Duration, NaiveDate};
use kam::domain::{
    Account, AccountId, Contact, ContactId, Interaction, InteractionId, InteractionKind, Money,
    TierPin,
};
use kam::segment::{AccountInputs, AgendaBasis, AgendaItem, Engine, Model, Removed};
use kam::store::envelope::{decode, encode};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

#[derive(Debug, Clone)]
enum Op {
    AddAccount {
        rating: u8,
        since_days: u16,
    },
    Rate {
        acc: usize,
        which: u8,
        value: Option<u8>,
    },
    AddOrder {
        acc: usize,
        days_ago: u16,
        amount: u32,
        due_in: i8,
        paid: bool,
    },
    EditOrder {
        inter: usize,
        days_ago: u16,
        amount: u32,
    },
    MoveInteraction {
        inter: usize,
        acc: usize,
    },
    AddTouch {
        acc: usize,
        days_ago: u16,
        kind: u8,
    },
    AddContact {
        acc: usize,
        primary: bool,
        backup: bool,
    },
    ContactLeaves {
        contact: usize,
        days_ago: u16,
    },
    Pin {
        acc: usize,
        tier: u8,
    },
    Unpin {
        acc: usize,
    },
    /// Snapshot → restore, as a close and a cold open do.
    Reopen,
    /// Hands the account to the other owner (the agenda's owner index).
    Reassign {
        acc: usize,
    },
    RemoveInteraction {
        inter: usize,
    },
    RemoveContact {
        contact: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..6, 0u16..2000).prop_map(|(rating, since_days)| Op::AddAccount { rating, since_days }),
        (0usize..1000, 0u8..4, proptest::option::of(0u8..6))
            .prop_map(|(acc, which, value)| Op::Rate { acc, which, value }),
        (0usize..1000, 0u16..800, 0u32..6, -40i8..40, any::<bool>()).prop_map(
            |(acc, days_ago, amount, due_in, paid)| Op::AddOrder {
                acc,
                days_ago,
                amount,
                due_in,
                paid
            }
        ),
        (0usize..1000, 0u16..800, 0u32..6).prop_map(|(inter, days_ago, amount)| Op::EditOrder {
            inter,
            days_ago,
            amount
        }),
        (0usize..1000, 0usize..1000).prop_map(|(inter, acc)| Op::MoveInteraction { inter, acc }),
        (0usize..1000, 0u16..400, 0u8..4).prop_map(|(acc, days_ago, kind)| Op::AddTouch {
            acc,
            days_ago,
            kind
        }),
        (0usize..1000, any::<bool>(), any::<bool>()).prop_map(|(acc, primary, backup)| {
            Op::AddContact {
                acc,
                primary,
                backup,
            }
        }),
        (0usize..1000, 0u16..200)
            .prop_map(|(contact, days_ago)| Op::ContactLeaves { contact, days_ago }),
        (0usize..1000, 0u8..4).prop_map(|(acc, tier)| Op::Pin { acc, tier }),
        (0usize..1000).prop_map(|acc| Op::Unpin { acc }),
        Just(Op::Reopen),
        (0usize..1000).prop_map(|acc| Op::Reassign { acc }),
        (0usize..1000).prop_map(|inter| Op::RemoveInteraction { inter }),
        (0usize..1000).prop_map(|contact| Op::RemoveContact { contact }),
    ]
}

/// The records, as the store would hold them.
#[derive(Default, Clone)]
struct World {
    accounts: Vec<Account>,
    contacts: Vec<Contact>,
    inters: Vec<Interaction>,
    /// Ids handed out (records are removed too, so not the lengths).
    last_id: u64,
}

impl World {
    fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    fn new_account(&mut self, rating: u8, since_days: u16) -> Account {
        let id = AccountId(self.accounts.len() as u64 + 1);
        let mut a = Account {
            id,
            key: format!("A{}", id.0),
            name: format!("Account {}", id.0),
            owner: if id.0.is_multiple_of(2) {
                "ann".into()
            } else {
                "bob".into()
            },
            since: Some(as_of() - Duration::days(i64::from(since_days))),
            ..Account::default()
        };
        a.ratings.loyalty = Some(rating % 6);
        a.ratings.potential = Some((rating + 2) % 6);
        self.accounts.push(a.clone());
        a
    }

    fn order(
        &mut self,
        acc: AccountId,
        days_ago: u16,
        amount: u32,
        due_in: i8,
        paid: bool,
    ) -> Interaction {
        let day = as_of() - Duration::days(i64::from(days_ago));
        let mut i = Interaction::new(acc, InteractionKind::Order, day);
        i.id = InteractionId(self.next_id());
        // Few distinct amounts: many ties in the percentiles.
        i.amount = Some(Money::from_units(i64::from(amount) * 1000));
        i.margin = Some(Money::from_units(i64::from(amount) * 150));
        i.due = Some(day + Duration::days(i64::from(due_in)));
        i.paid_at = paid.then_some(day + Duration::days(10));
        self.inters.push(i.clone());
        i
    }
}

/// Tier per account as a full rebuild sees it.
fn rebuilt(model: &Model, w: &World) -> Engine {
    let mut e = Engine::new(model.clone(), as_of());
    e.rebuild(&w.accounts, &w.contacts, w.inters.iter());
    e
}

/// The engine a cold open gives: its inputs saved in the store's envelope,
/// read back, and restored with the account records.
fn reopened(model: &Model, w: &World, e: &Engine) -> Engine {
    let bytes = encode(&e.all_inputs()).unwrap();
    let inputs: Vec<AccountInputs> = decode(&bytes).unwrap();
    Engine::restore(model.clone(), as_of(), &w.accounts, inputs).unwrap()
}

fn tiers(e: &Engine) -> BTreeMap<AccountId, String> {
    e.scores()
        .into_iter()
        .map(|s| (s.account, s.tier))
        .collect()
}

/// What one op changed, for the engine to be told.
enum Edit {
    Account(Box<Account>),
    Contact(Contact),
    Interaction(Interaction),
    /// Moved from the account given (the caller says: the engine keeps no
    /// table of where each interaction is).
    MovedInteraction(AccountId, Interaction),
    RemovedInteraction(AccountId, InteractionId),
    RemovedContact(AccountId, ContactId),
    Reopen,
    Nothing,
}

/// Applies `op` to the records and says what changed.
fn apply(model: &Model, w: &mut World, op: Op) -> Edit {
    let n = w.accounts.len();
    if n == 0 && !matches!(op, Op::AddAccount { .. }) {
        return Edit::Nothing;
    }
    let pick = |x: usize| AccountId((x % n) as u64 + 1);
    match op {
        Op::AddAccount { rating, since_days } => {
            let a = w.new_account(rating, since_days);
            Edit::Account(Box::new(a))
        }
        Op::Rate { acc, which, value } => {
            let id = pick(acc);
            let a = &mut w.accounts[(id.0 - 1) as usize];
            match which {
                0 => a.ratings.loyalty = value,
                1 => a.ratings.potential = value,
                2 => a.ratings.strategic_fit = value,
                _ => a.ratings.tech_cooperation = value,
            }
            let a = a.clone();
            Edit::Account(Box::new(a))
        }
        Op::AddOrder {
            acc,
            days_ago,
            amount,
            due_in,
            paid,
        } => {
            let i = w.order(pick(acc), days_ago, amount, due_in, paid);
            Edit::Interaction(i)
        }
        Op::EditOrder {
            inter,
            days_ago,
            amount,
        } => {
            if w.inters.is_empty() {
                return Edit::Nothing;
            }
            let k = inter % w.inters.len();
            let i = &mut w.inters[k];
            i.at = (as_of() - Duration::days(i64::from(days_ago)))
                .and_hms_opt(9, 0, 0)
                .unwrap()
                .and_utc();
            i.amount = Some(Money::from_units(i64::from(amount) * 1000));
            let i = i.clone();
            Edit::Interaction(i)
        }
        Op::MoveInteraction { inter, acc } => {
            if w.inters.is_empty() {
                return Edit::Nothing;
            }
            let k = inter % w.inters.len();
            let from = w.inters[k].account;
            w.inters[k].account = pick(acc);
            let i = w.inters[k].clone();
            if from == i.account {
                Edit::Interaction(i)
            } else {
                Edit::MovedInteraction(from, i)
            }
        }
        Op::AddTouch {
            acc,
            days_ago,
            kind,
        } => {
            let kind = [
                InteractionKind::Visit,
                InteractionKind::Complaint,
                InteractionKind::Resolution,
                InteractionKind::Survey,
            ][kind as usize % 4];
            let mut i = Interaction::new(
                pick(acc),
                kind,
                as_of() - Duration::days(i64::from(days_ago)),
            );
            i.id = InteractionId(w.next_id());
            i.satisfaction = Some((days_ago % 5) as u8 + 1);
            w.inters.push(i.clone());
            Edit::Interaction(i)
        }
        Op::AddContact {
            acc,
            primary,
            backup,
        } => {
            let c = Contact {
                id: ContactId(w.next_id()),
                account: pick(acc),
                name: "c".into(),
                primary,
                backup,
                ..Contact::default()
            };
            w.contacts.push(c.clone());
            Edit::Contact(c)
        }
        Op::ContactLeaves { contact, days_ago } => {
            if w.contacts.is_empty() {
                return Edit::Nothing;
            }
            let k = contact % w.contacts.len();
            w.contacts[k].left_at = Some(as_of() - Duration::days(i64::from(days_ago)));
            let c = w.contacts[k].clone();
            Edit::Contact(c)
        }
        Op::Pin { acc, tier } => {
            let id = pick(acc);
            // One pick in five is a tier the model does not have.
            let t = model
                .tiers
                .get(tier as usize % (model.tiers.len() + 1))
                .map_or_else(|| "Strategic".to_string(), |t| t.name.clone());
            let a = &mut w.accounts[(id.0 - 1) as usize];
            a.pin = Some(Box::new(TierPin {
                tier: t,
                reason: "test".into(),
                by: "me".into(),
                at: as_of(),
            }));
            let a = a.clone();
            Edit::Account(Box::new(a))
        }
        Op::Unpin { acc } => {
            let id = pick(acc);
            let a = &mut w.accounts[(id.0 - 1) as usize];
            a.pin = None;
            let a = a.clone();
            Edit::Account(Box::new(a))
        }
        Op::Reopen => Edit::Reopen,
        Op::Reassign { acc } => {
            let id = pick(acc);
            let a = &mut w.accounts[(id.0 - 1) as usize];
            a.owner = if a.owner == "ann" { "bob" } else { "ann" }.into();
            let a = a.clone();
            Edit::Account(Box::new(a))
        }
        Op::RemoveInteraction { inter } => {
            if w.inters.is_empty() {
                return Edit::Nothing;
            }
            let i = w.inters.remove(inter % w.inters.len());
            Edit::RemovedInteraction(i.account, i.id)
        }
        Op::RemoveContact { contact } => {
            if w.contacts.is_empty() {
                return Edit::Nothing;
            }
            let c = w.contacts.remove(contact % w.contacts.len());
            Edit::RemovedContact(c.account, c.id)
        }
    }
}

/// A world of `n0` accounts with a few orders each.
fn seeded(n0: usize) -> World {
    let mut w = World::default();
    for k in 0..n0 {
        let a = w.new_account((k % 6) as u8, (k * 37 % 2000) as u16);
        let orders = k % 4;
        for j in 0..orders {
            w.order(
                a.id,
                ((k * 53 + j * 97) % 700) as u16,
                ((k + j) % 6) as u32,
                30,
                j % 2 == 0,
            );
        }
    }
    w
}

/// Each account's own agenda items as last seen, with the engine lineage
/// and the basis they were made from.
type KeptItems = BTreeMap<AccountId, (u64, AgendaBasis, Vec<AgendaItem>)>;

/// The engine agrees with a full rebuild of `w`, and `changes` are exactly
/// the tiers that differ from `prev`. Returns the tiers now.
fn check(
    model: &Model,
    w: &World,
    inc: &Engine,
    prev: &BTreeMap<AccountId, String>,
    changes: &[kam::segment::TierChange],
    label: &str,
    kept: &mut KeptItems,
) -> Result<BTreeMap<AccountId, String>, TestCaseError> {
    let full = rebuilt(model, w);
    let got = inc.scores();
    let want = full.scores();
    prop_assert_eq!(got.len(), want.len(), "{}", label);
    for (g, f) in got.iter().zip(&want) {
        prop_assert_eq!(g, f, "{}", label);
    }
    let now = tiers(&full);
    let expected: BTreeSet<(AccountId, Option<String>, String)> = now
        .iter()
        .filter(|(id, t)| prev.get(id) != Some(t))
        .map(|(id, t)| (*id, prev.get(id).cloned(), t.clone()))
        .collect();
    let reported: BTreeSet<(AccountId, Option<String>, String)> = changes
        .iter()
        .map(|c| (c.account, c.from.clone(), c.to.clone()))
        .collect();
    prop_assert_eq!(reported.len(), changes.len(), "duplicate change reports");
    prop_assert_eq!(reported, expected, "{}", label);
    prop_assert_eq!(inc.matrix(), full.matrix());
    // The delta's matrix and curve (from the sums each step keeps) are
    // what the two queries of a rebuilt engine give.
    prop_assert_eq!(
        inc.matrix_and_pareto(7),
        (full.matrix(), full.pareto_curve(7))
    );
    for owner in [Some("ann"), Some("bob"), None] {
        prop_assert_eq!(
            inc.agenda(owner, &[]),
            full.agenda(owner, &[]),
            "{:?}",
            owner
        );
    }
    // The placements read without scoring are the scores' tiers and cells.
    let mut placed: Vec<(AccountId, String, (usize, usize))> = inc
        .placements()
        .map(|(id, tier, cell)| (id, tier.to_string(), cell))
        .collect();
    placed.sort();
    let located: Vec<(AccountId, String, (usize, usize))> = want
        .iter()
        .map(|s| {
            let cell = model.grid.locate(s.value_score, s.potential_score);
            (s.account, s.tier.clone(), cell)
        })
        .collect();
    prop_assert_eq!(placed, located, "{}", label);
    // An account whose basis did not move under the same lineage has the
    // same items (what the book's kept agendas rely on).
    kept.retain(|id, _| inc.agenda_basis(*id).is_some());
    for id in inc.account_ids() {
        let items = inc.account_agenda(&[id]);
        let basis = inc.agenda_basis(id).expect("a known account has a basis");
        if let Some((lineage, was, before)) = kept.get(&id)
            && *lineage == inc.lineage()
            && *was == basis
        {
            prop_assert_eq!(
                &items,
                before,
                "{} {:?}: same basis, other items",
                label,
                id
            );
        }
        kept.insert(id, (inc.lineage(), basis, items));
    }
    Ok(now)
}

fn run(model: Model, n0: usize, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut w = seeded(n0);
    let mut inc = rebuilt(&model, &w);
    let mut prev = tiers(&inc);
    let mut kept = KeptItems::new();
    for (step, op) in ops.into_iter().enumerate() {
        let label = format!("step {step} {op:?}");
        let changes = match apply(&model, &mut w, op) {
            Edit::Account(a) => inc.upsert_account(&a),
            Edit::Contact(c) => inc.upsert_contact(&c),
            Edit::Interaction(i) => inc.upsert_interaction(&i),
            Edit::MovedInteraction(from, i) => {
                let left = inc.remove_interaction(from, i.id);
                net(left, inc.upsert_interaction(&i))
            }
            Edit::RemovedInteraction(acc, id) => inc.remove_interaction(acc, id),
            Edit::RemovedContact(acc, id) => inc.remove_contact(acc, id),
            Edit::Reopen => {
                inc = reopened(&model, &w, &inc);
                Vec::new()
            }
            Edit::Nothing => continue,
        };
        prev = check(&model, &w, &inc, &prev, &changes, &label, &mut kept)?;
    }
    Ok(())
}

/// Two steps' tier changes as one: per account the first `from` and the
/// last `to`, none where they are the same (as the book reports a write).
fn net(
    first: Vec<kam::segment::TierChange>,
    then: Vec<kam::segment::TierChange>,
) -> Vec<kam::segment::TierChange> {
    let mut out: Vec<kam::segment::TierChange> = Vec::new();
    for c in first.into_iter().chain(then) {
        match out.iter_mut().find(|o| o.account == c.account) {
            Some(o) => o.to = c.to,
            None => out.push(c),
        }
    }
    out.retain(|c| c.from.as_deref() != Some(c.to.as_str()));
    out
}

/// The edits of each batch told to the engine at once (`edit_many`, as an
/// import does): the same scores, and one report of the net tier changes.
fn run_batched(model: Model, n0: usize, batches: Vec<Vec<Op>>) -> Result<(), TestCaseError> {
    let mut w = seeded(n0);
    let mut inc = rebuilt(&model, &w);
    let mut prev = tiers(&inc);
    let mut kept = KeptItems::new();
    for (step, ops) in batches.into_iter().enumerate() {
        let label = format!("batch {step} {ops:?}");
        let (mut accounts, mut contacts, mut inters) = (Vec::new(), Vec::new(), Vec::new());
        let mut removed = Removed::default();
        // A reopen in a batch happens after it: the engine cannot restore
        // records it has not been told of yet.
        let mut reopen = false;
        for op in ops {
            match apply(&model, &mut w, op) {
                Edit::Account(a) => accounts.push(*a),
                Edit::Contact(c) => contacts.push(c),
                Edit::Interaction(i) => inters.push(i),
                // Removed after the upserts (as a write applies them): drop
                // an earlier upsert of the same record from this batch.
                Edit::MovedInteraction(from, i) => {
                    inters.retain(|x: &Interaction| x.id != i.id);
                    removed.interactions.push((from, i.id));
                    inters.push(i);
                }
                Edit::RemovedInteraction(acc, id) => {
                    inters.retain(|i: &Interaction| i.id != id);
                    removed.interactions.push((acc, id));
                }
                Edit::RemovedContact(acc, id) => {
                    contacts.retain(|c: &Contact| c.id != id);
                    removed.contacts.push((acc, id));
                }
                Edit::Reopen => reopen = true,
                Edit::Nothing => {}
            }
        }
        // An interaction moved away and back within the batch is not
        // removed from where it ended (as the book tells a write).
        removed
            .interactions
            .retain(|&(acc, id)| !inters.iter().any(|i| i.id == id && i.account == acc));
        let changes = inc.edit_many(&accounts, &contacts, &inters, &removed);
        prev = check(&model, &w, &inc, &prev, &changes, &label, &mut kept)?;
        if reopen {
            inc = reopened(&model, &w, &inc);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn incremental_equals_rebuild_value_potential(n0 in 0usize..40, ops in proptest::collection::vec(op(), 1..40)) {
        run(Model::default(), n0, ops)?;
    }

    #[test]
    fn incremental_equals_rebuild_volume_loyalty(n0 in 0usize..40, ops in proptest::collection::vec(op(), 1..40)) {
        run(Model::preset("volume-loyalty").unwrap(), n0, ops)?;
    }

    #[test]
    fn a_batch_of_edits_equals_rebuild(n0 in 0usize..40, batches in proptest::collection::vec(proptest::collection::vec(op(), 0..12), 1..6)) {
        run_batched(Model::default(), n0, batches)?;
    }

    #[test]
    fn incremental_equals_rebuild_revenue_bands(n0 in 0usize..20, ops in proptest::collection::vec(op(), 1..30)) {
        run(Model::preset("revenue-bands").unwrap(), n0, ops)?;
    }
}

/// A larger population, so that most accounts are far from every cut and
/// the drift bound lets the engine skip them.
#[test]
fn incremental_equals_rebuild_large_population() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 6,
        ..ProptestConfig::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 30..80), |ops| {
            run(Model::default(), 300, ops)
        })
        .unwrap();
}
