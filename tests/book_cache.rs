//! The answers the book keeps between changes (the list's prepared rows,
//! the matrix summary, each owner's agenda) equal answers computed afresh,
//! in every sort order, and follow every kind of change (edit, order, pin,
//! snooze, review mark, model change) without a stale answer.

use chrono::NaiveDate;
use kam::book::query::{self, AgendaUpdate, ListQuery, SortKey, Touched, filter};
use kam::book::{Book, Gathered, Prepare, WriteOp};
use kam::clock::Clock;
use kam::demo::{DemoParams, write_demo};
use kam::domain::{FollowUp, Interaction, InteractionKind, KeyDate, KeyDateKind, Money};
use kam::segment::AgendaKind;
use kam::store::Store;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

fn open_for(dir: &std::path::Path, prepare: Prepare) -> Book {
    Book::open_with(
        Store::open(&dir.join("db")).unwrap(),
        Clock::fixed(today()),
        "alice",
        prepare,
    )
    .unwrap()
}

/// The matrix and agendas the warm book answers (asked twice: the second
/// answer is the kept one) equal those of the same store opened afresh.
fn reopened_agrees(book: Book, dir: &std::path::Path, when: &str) -> Book {
    let prepare = if book.records_kept() {
        Prepare::Scores
    } else {
        Prepare::Rows
    };
    let owner = book.accounts().unwrap()[0].owner.clone();
    let warm = |b: &Book| {
        (
            query::matrix(b).unwrap(),
            query::agenda(b, Some(&owner)).unwrap(),
            b.agenda(None).unwrap(),
        )
    };
    let first = warm(&book);
    assert_eq!(warm(&book), first, "{when}: a kept answer differs");
    drop(book);
    let book = open_for(dir, prepare);
    assert_eq!(warm(&book), first, "{when}: differs from a fresh open");
    book
}

/// Every owner's agenda, patched from what was kept, equals one made afresh
/// (and so does everyone's).
fn assert_agendas_fresh(book: &Book, when: &str) {
    let owners = owners(book);
    for owner in owners.iter().map(|o| Some(o.as_str())).chain([None]) {
        assert_eq!(
            book.agenda(owner).unwrap(),
            book.agenda_made_afresh(owner).unwrap(),
            "{when}: the agenda of {owner:?}"
        );
    }
    assert!(book.kept_item_owners() > 0, "{when}: nothing was kept");
}

fn demo_book(dir: &std::path::Path) -> Book {
    demo_book_for(dir, Prepare::Scores)
}

fn demo_book_for(dir: &std::path::Path, prepare: Prepare) -> Book {
    let store = Store::open(&dir.join("db")).unwrap();
    let p = DemoParams {
        accounts: 240,
        interactions: 2400,
        ..DemoParams::new(today(), "alice")
    };
    write_demo(&store, &p, &mut |_| {}).unwrap();
    Book::open_with(store, Clock::fixed(today()), "alice", prepare).unwrap()
}

/// The list as rows built one by one from the records (as the store has
/// them), then filtered and sorted: what `query::list` must equal.
fn fresh(book: &Book, q: &ListQuery) -> Vec<query::AccountRow> {
    let review = book.last_review().unwrap();
    let mut rows: Vec<_> = book
        .store()
        .accounts()
        .unwrap()
        .iter()
        .map(|a| query::row(book, review.as_ref(), a))
        .collect();
    let tiers = query::tiers(book);
    let f = filter::Filter::parse(&q.filter, filter::Vocab { tiers: &tiers }).unwrap();
    query::arrange(&mut rows, &f, q.sort, q.reverse);
    rows
}

fn assert_lists_fresh(book: &Book, when: &str) {
    let tier = query::tiers(book)[0].clone();
    for filter in ["", &format!("tier:{tier}"), "owner:a", "zzz-nothing"] {
        for sort in SortKey::ALL {
            for reverse in [false, true] {
                let q = ListQuery {
                    filter: filter.to_string(),
                    sort,
                    reverse,
                    ..Default::default()
                };
                let page = query::list(book, &q).unwrap();
                let want = fresh(book, &q);
                assert_eq!(page.total, want.len(), "{when}: {q:?}");
                assert_eq!(page.rows, want, "{when}: {q:?}");
            }
        }
    }
    // Search, typed a key at a time (each keystroke may look only among
    // the last one's hits), equals ranking fresh rows in the list's order.
    let rows = fresh(book, &ListQuery::default());
    for typed in [
        "a", "ac", "acm", "e", "er", "er !x", "er !xy", "g", "gm$", "gm$b", "",
    ] {
        let got = query::search(book, typed, usize::MAX).unwrap();
        let want: Vec<_> = query::fuzzy::rank(typed, &rows)
            .into_iter()
            .map(|i| rows[i].clone())
            .collect();
        assert_eq!(got, want, "{when}: search {typed:?}");
    }
    // A page of hits (the screen asks for one) is the head of that
    // ranking, whether it was found by walking the list until enough rows
    // reach the best score a hit can have, or by scoring every row; and
    // the keystrokes after it still see every hit.
    for limit in [1, 3, 10] {
        for typed in [
            "a", "ac", "acm", "e", "er", "n", "no", "nor", "s", "g", "gm$",
        ] {
            let got = query::search(book, typed, limit).unwrap();
            let want: Vec<_> = query::fuzzy::rank(typed, &rows)
                .into_iter()
                .take(limit)
                .map(|i| rows[i].clone())
                .collect();
            assert_eq!(got, want, "{when}: search {typed:?}, {limit} hits");
        }
    }

    // A window around an account holds it.
    let want = fresh(book, &ListQuery::default());
    let mid = want[want.len() / 2].id;
    let page = query::list(
        book,
        &ListQuery {
            limit: Some(20),
            around: Some(mid),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(page.rows.iter().any(|r| r.id == mid), "{when}");
    assert_eq!(page.rows, want[page.offset..page.offset + 20], "{when}");
}

#[test]
fn kept_answers_equal_fresh_answers_across_changes() {
    kept_answers_follow_changes(Prepare::Scores);
}

/// The same in a book that serves screens: it keeps no account records,
/// and its rows' text is patched by each account write.
#[test]
fn a_book_without_its_records_answers_as_fresh_across_changes() {
    kept_answers_follow_changes(Prepare::Rows);
}

fn kept_answers_follow_changes(prepare: Prepare) {
    let dir = tempfile::tempdir().unwrap();
    let mut book = demo_book_for(dir.path(), prepare);
    assert_eq!(book.records_kept(), prepare == Prepare::Scores);
    assert_lists_fresh(&book, "after open");
    assert_agendas_fresh(&book, "after open");
    book = reopened_agrees(book, dir.path(), "after open");

    // An edit of a name: the list, the sort by name and search follow.
    let mut a = book.accounts().unwrap()[7].clone();
    let base = a.clone();
    a.name = "Zebra Renamed Holdings".into();
    book.execute(
        kam::book::WriteOp::SaveAccount {
            base: Some(base),
            account: a.clone(),
        },
        None,
    )
    .unwrap();
    // The rows' text of the records as they are now, made for a page.
    query::list(&book, &ListQuery::default()).unwrap();
    search_text_made_aside(&book, "after a rename");
    assert_lists_fresh(&book, "after a rename");
    assert_agendas_fresh(&book, "after a rename");
    let hits = query::search(&book, "zebra renamed", 5).unwrap();
    assert_eq!(hits.first().map(|r| r.id), Some(a.id));

    // A new account, then its undo (a removal): rows come and go with it.
    book.save_account(kam::domain::Account {
        key: "AAA-NEW".into(),
        name: "Aardvark Newcomer".into(),
        owner: "a.new".into(),
        ..Default::default()
    })
    .unwrap();
    assert_lists_fresh(&book, "after a new account");
    assert_agendas_fresh(&book, "after a new account");
    assert_eq!(query::search(&book, "aardvark", 5).unwrap().len(), 1);
    book.execute(kam::book::WriteOp::Undo, None).unwrap();
    assert_lists_fresh(&book, "after its undo");
    assert_agendas_fresh(&book, "after its undo");
    assert!(query::search(&book, "aardvark", 5).unwrap().is_empty());

    // A large order moves scores of many accounts (percentile ranks).
    let small = book.accounts().unwrap()[3].id;
    let mut order = Interaction::new(small, InteractionKind::Order, today());
    order.amount = Some(Money::from_units(50_000_000));
    book.execute(
        kam::book::WriteOp::AddInteraction { interaction: order },
        None,
    )
    .unwrap();
    assert_lists_fresh(&book, "after an order");
    assert_agendas_fresh(&book, "after an order");
    book = reopened_agrees(book, dir.path(), "after an order");

    // A snooze changes the agenda only (no score moves).
    let item = book.agenda(None).unwrap()[0].clone();
    book.snooze(&item, today() + chrono::Days::new(3)).unwrap();
    assert!(!book.agenda(None).unwrap().contains(&item));
    book = reopened_agrees(book, dir.path(), "after a snooze");

    let key = book.accounts().unwrap()[11].key.clone();
    let tier = query::tiers(&book).last().unwrap().clone();
    book.pin(&key, &tier, "test").unwrap();
    assert_lists_fresh(&book, "after a pin");
    assert_agendas_fresh(&book, "after a pin");
    assert!(
        query::list(&book, &ListQuery::default())
            .unwrap()
            .rows
            .iter()
            .any(|r| *r.text.key == *key && r.pinned)
    );

    // Moved marks depend on the review mark alone.
    book.mark_review().unwrap();
    assert_lists_fresh(&book, "after a review mark");
    assert_agendas_fresh(&book, "after a review mark");
    book = reopened_agrees(book, dir.path(), "after a review mark");
    assert!(
        query::list(&book, &ListQuery::default())
            .unwrap()
            .rows
            .iter()
            .all(|r| !r.moved)
    );

    let mut model = book.engine().model().clone();
    model.tiers.reverse();
    book.set_model(model).unwrap();
    assert_lists_fresh(&book, "after a model change");
    assert_agendas_fresh(&book, "after a model change");
    let book = reopened_agrees(book, dir.path(), "after a model change");
    assert_eq!(book.records_kept(), prepare == Prepare::Scores);
}

/// The whole book's agenda gathered a few accounts at a time (as the
/// server gathers the calendars, letting go of the book between parts)
/// equals the one-pass answer; a change between parts makes it stale.
#[test]
fn agenda_gathered_by_parts_equals_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = demo_book(dir.path());
    let account = book.accounts().unwrap()[5].id;
    let key_date = KeyDate {
        id: 0,
        account,
        kind: KeyDateKind::Renewal,
        on: today() + chrono::Days::new(10),
        lead_days: 30,
        note: "renewal".into(),
    };
    book.execute(WriteOp::SaveKeyDate { key_date }, None)
        .unwrap();
    let followup = FollowUp {
        id: kam::domain::FollowUpId(0),
        version: 0,
        account,
        due: today(),
        assignee: "alice".into(),
        note: "call back".into(),
        done_at: None,
    };
    book.execute(
        WriteOp::SaveFollowUp {
            base: None,
            followup,
        },
        None,
    )
    .unwrap();
    let snoozed = book.agenda(None).unwrap()[2].clone();
    book.snooze(&snoozed, today() + chrono::Days::new(3))
        .unwrap();

    let whole = book.agenda(None).unwrap();
    for kind in [
        AgendaKind::KeyDate,
        AgendaKind::FollowUp,
        AgendaKind::Cadence,
    ] {
        assert!(whole.iter().any(|i| i.kind == kind), "{kind:?}");
    }
    assert!(!whole.contains(&snoozed));
    for part in [1, 7, 100_000] {
        let mut g = book.gather_agenda().unwrap();
        let got = loop {
            match book.gather_agenda_part(&mut g, part).unwrap() {
                Gathered::More => {}
                Gathered::Done(items) => break items,
                Gathered::Stale => panic!("nothing changed"),
            }
        };
        assert_eq!(got, whole, "parts of {part}");
    }

    let mut g = book.gather_agenda().unwrap();
    assert_eq!(book.gather_agenda_part(&mut g, 7).unwrap(), Gathered::More);
    let note = Interaction::new(account, InteractionKind::Note, today());
    book.execute(WriteOp::AddInteraction { interaction: note }, None)
        .unwrap();
    assert_eq!(book.gather_agenda_part(&mut g, 7).unwrap(), Gathered::Stale);
}

/// Waits until the search text of the book's rows is made, by no search:
/// in the background, as new rows' text is kept.
fn search_text_made_aside(book: &Book, when: &str) {
    let texts = book.row_texts().unwrap();
    let made = std::time::Instant::now();
    while !texts.search_prepared() {
        assert!(
            made.elapsed() < std::time::Duration::from_secs(60),
            "{when}: the search text is made in the background"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// An open for screens makes the list's row text while the engine loads,
/// then the first screen's answers, and the search text in the background;
/// what it made is what the list would build: every list, sort and search
/// agrees with fresh rows. An open for a command makes none.
#[test]
fn an_open_for_screens_prepares_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    drop(demo_book(dir.path()));
    let reopen = |prepare| {
        Book::open_with(
            Store::open(&dir.path().join("db")).unwrap(),
            Clock::fixed(today()),
            "alice",
            prepare,
        )
        .unwrap()
    };
    let book = reopen(Prepare::Scores);
    assert!(book.snapshot_loaded());
    assert!(!book.rows_prepared());
    assert!(!book.first_screen_prepared());
    drop(book);
    let book = reopen(Prepare::Rows);
    assert!(book.snapshot_loaded());
    assert!(book.rows_prepared());
    assert!(book.first_screen_prepared());
    search_text_made_aside(&book, "after the open");
    assert_lists_fresh(&book, "rows made at open");
    assert!(book.rows_prepared(), "the list used the rows made at open");
}

/// The open follow-ups the agenda reads are kept between writes and
/// patched by the book's own: after each kind of follow-up change (new,
/// edited onto another account, completed, undone, merged away, and one
/// written past the book) the agenda equals a fresh open's.
#[test]
fn kept_follow_ups_follow_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = demo_book(dir.path());
    let accounts: Vec<_> = book
        .accounts()
        .unwrap()
        .iter()
        .map(|a| (a.id, a.key.clone()))
        .collect();
    let (first, second) = (accounts[5].0, accounts[6].0);
    // Read once, so that what follows patches the kept list.
    book.agenda(None).unwrap();

    let due_today = |account| FollowUp {
        id: kam::domain::FollowUpId(0),
        version: 0,
        account,
        due: today(),
        assignee: "alice".into(),
        note: "call back about the renewal".into(),
        done_at: None,
    };
    let has = |book: &Book, note: &str| {
        book.agenda(None)
            .unwrap()
            .iter()
            .any(|i| i.kind == AgendaKind::FollowUp && *i.text == *note)
    };
    book.execute(
        WriteOp::SaveFollowUp {
            base: None,
            followup: due_today(first),
        },
        None,
    )
    .unwrap();
    assert!(has(&book, "call back about the renewal"), "a new follow-up");
    book = reopened_agrees(book, dir.path(), "after a new follow-up");
    book.agenda(None).unwrap();

    let stored = book
        .followups()
        .unwrap()
        .into_iter()
        .find(|f| f.note == "call back about the renewal")
        .unwrap();
    let mut moved = stored.clone();
    moved.account = second;
    moved.note = "moved to the sister company".into();
    book.execute(
        WriteOp::SaveFollowUp {
            base: Some(stored.clone()),
            followup: moved,
        },
        None,
    )
    .unwrap();
    assert!(has(&book, "moved to the sister company"));
    assert!(!has(&book, "call back about the renewal"));
    book = reopened_agrees(book, dir.path(), "after an edit onto another account");
    book.agenda(None).unwrap();

    book.execute(WriteOp::CompleteFollowUp { id: stored.id }, None)
        .unwrap();
    assert!(!has(&book, "moved to the sister company"), "completed");
    book = reopened_agrees(book, dir.path(), "after completing it");
    book.agenda(None).unwrap();

    book.execute(WriteOp::Undo, None).unwrap();
    assert!(
        has(&book, "moved to the sister company"),
        "the completion undone"
    );
    book = reopened_agrees(book, dir.path(), "after the undo");
    book.agenda(None).unwrap();

    // The account holding it merged into another: it moves with the rest.
    let keep = accounts[9].1.clone();
    let gone = book.account(second).unwrap().key.clone();
    book.execute(
        WriteOp::MergeAccounts {
            keep,
            drop: gone,
            take: Vec::new(),
        },
        None,
    )
    .unwrap();
    assert!(has(&book, "moved to the sister company"));
    book = reopened_agrees(book, dir.path(), "after a merge");
    book.agenda(None).unwrap();

    // A write that bypasses the book: the next agenda reads the store.
    book.store()
        .insert_followup(FollowUp {
            note: "written past the book".into(),
            ..due_today(first)
        })
        .unwrap();
    assert!(has(&book, "written past the book"));
    reopened_agrees(book, dir.path(), "after a write past the book");
}

/// Each owner's agenda as a client holds it: (owner, version, rows).
type Held = Vec<(String, u64, Vec<query::AgendaRow>)>;

fn owners(book: &Book) -> Vec<String> {
    let mut owners: Vec<String> = book
        .accounts()
        .unwrap()
        .iter()
        .map(|a| a.owner.clone())
        .collect();
    owners.sort();
    owners.dedup();
    owners
}

fn held(book: &Book) -> Held {
    owners(book)
        .into_iter()
        .map(|o| {
            let d = query::delta(book, Touched::Accounts(vec![]), &o, None).unwrap();
            let AgendaUpdate::Full(rows) = d.agenda else {
                panic!("a client without a version gets the whole agenda")
            };
            (o, d.agenda_version, rows)
        })
        .collect()
}

/// How the clients' agendas were brought up to date: (same, patched, full).
#[derive(Default, Debug)]
struct Tally(usize, usize, usize);

/// `change`, then every owner's held agenda, updated by the delta its
/// client would ask for, is that owner's agenda now, row for row.
fn change(book: &mut Book, when: &str, tally: &mut Tally, change: impl FnOnce(&mut Book)) {
    let held = held(book);
    let seq = book.last_seq().unwrap();
    change(book);
    let touched = query::touched_since(book, seq).unwrap();
    for (owner, version, mut rows) in held {
        let d = query::delta(book, touched.clone(), &owner, Some(version)).unwrap();
        match &d.agenda {
            AgendaUpdate::Same => tally.0 += 1,
            AgendaUpdate::Patch { .. } => tally.1 += 1,
            AgendaUpdate::Full(_) => tally.2 += 1,
        }
        d.agenda.apply(&mut rows);
        assert_eq!(
            rows,
            query::agenda(book, Some(&owner)).unwrap(),
            "{when}: the agenda of {owner} as its client holds it"
        );
    }
    assert_agendas_fresh(book, when);
}

#[test]
fn clients_agendas_follow_every_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = demo_book(dir.path());
    let mut tally = Tally::default();
    let owners = owners(&book);
    let (from, to) = (owners[0].clone(), owners[1].clone());
    let item = book.agenda(Some(&from)).unwrap()[0].clone();
    let id = item.account;

    let edit = |b: &mut Book, f: &dyn Fn(&mut kam::domain::Account)| {
        let mut a = b.account(id).unwrap().into_owned();
        let base = a.clone();
        f(&mut a);
        b.execute(
            WriteOp::SaveAccount {
                base: Some(base),
                account: a,
            },
            None,
        )
        .unwrap();
    };
    change(&mut book, "a rename", &mut tally, |b| {
        edit(b, &|a| a.name = "Renamed While Due".into());
    });
    change(&mut book, "an owner change", &mut tally, |b| {
        edit(b, &|a| a.owner = to.clone());
    });
    assert!(
        book.agenda(Some(&to))
            .unwrap()
            .iter()
            .any(|i| i.account == id)
    );
    change(&mut book, "a complaint", &mut tally, |b| {
        let mut c = Interaction::new(id, InteractionKind::Complaint, today());
        c.summary = "late delivery".into();
        b.execute(WriteOp::AddInteraction { interaction: c }, None)
            .unwrap();
    });
    assert!(
        book.agenda(Some(&to))
            .unwrap()
            .iter()
            .any(|i| { i.account == id && i.kind == AgendaKind::ComplaintResolve })
    );
    change(&mut book, "a touch", &mut tally, |b| {
        let t = Interaction::new(id, InteractionKind::Call, today());
        b.execute(WriteOp::AddInteraction { interaction: t }, None)
            .unwrap();
    });
    for (n, k) in [3usize, 40, 90, 150].into_iter().enumerate() {
        change(&mut book, "an order", &mut tally, |b| {
            let small = b.accounts().unwrap()[k].id;
            let mut o = Interaction::new(small, InteractionKind::Order, today());
            o.amount = Some(Money::from_units(10_000 * (n as i64 + 1)));
            b.execute(WriteOp::AddInteraction { interaction: o }, None)
                .unwrap();
        });
    }
    change(&mut book, "a follow-up", &mut tally, |b| {
        let f = FollowUp {
            id: kam::domain::FollowUpId(0),
            version: 0,
            account: id,
            due: today(),
            assignee: to.clone(),
            note: "send the offer".into(),
            done_at: None,
        };
        b.execute(
            WriteOp::SaveFollowUp {
                base: None,
                followup: f,
            },
            None,
        )
        .unwrap();
    });
    change(&mut book, "a snooze", &mut tally, |b| {
        let first = b.agenda(Some(&to)).unwrap()[0].clone();
        b.snooze(&first, today() + chrono::Days::new(3)).unwrap();
    });
    change(&mut book, "a new account", &mut tally, |b| {
        b.save_account(kam::domain::Account {
            key: "AAA-NEW".into(),
            name: "Aardvark Newcomer".into(),
            owner: to.clone(),
            ..Default::default()
        })
        .unwrap();
    });
    change(&mut book, "its undo", &mut tally, |b| {
        b.execute(WriteOp::Undo, None).unwrap();
    });
    change(&mut book, "a model change", &mut tally, |b| {
        let mut model = b.engine().model().clone();
        model.tiers.reverse();
        b.set_model(model).unwrap();
    });
    // Every way of answering was taken: nothing, a patch, and the whole
    // agenda after a change of an account record.
    assert!(tally.0 > 0 && tally.1 > 0 && tally.2 > 0, "{tally:?}");
}

/// A client that asks about a later change first (its notices came apart)
/// still ends up showing a rename made before it: the rows show names, which
/// no agenda item holds.
#[test]
fn a_rename_reaches_a_client_that_asks_about_a_later_change_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = demo_book(dir.path());
    let owner = owners(&book)[0].clone();
    let agenda = book.agenda(Some(&owner)).unwrap();
    let renamed = agenda[0].account;
    let other = agenda
        .iter()
        .map(|i| i.account)
        .find(|a| *a != renamed)
        .unwrap();
    let first = query::delta(&book, Touched::Accounts(vec![]), &owner, None).unwrap();
    let AgendaUpdate::Full(mut rows) = first.agenda else {
        panic!("a client without a version gets the whole agenda")
    };
    let mut a = book.account(renamed).unwrap().into_owned();
    let base = a.clone();
    a.name = "Renamed Before The Order".into();
    book.execute(
        WriteOp::SaveAccount {
            base: Some(base),
            account: a,
        },
        None,
    )
    .unwrap();
    let mut o = Interaction::new(other, InteractionKind::Order, today());
    o.amount = Some(Money::from_units(25_000));
    book.execute(WriteOp::AddInteraction { interaction: o }, None)
        .unwrap();
    // The order's notice first, then the rename's.
    let d = query::delta(
        &book,
        Touched::Accounts(vec![other]),
        &owner,
        Some(first.agenda_version),
    )
    .unwrap();
    d.agenda.apply(&mut rows);
    let d = query::delta(
        &book,
        Touched::Accounts(vec![renamed]),
        &owner,
        Some(d.agenda_version),
    )
    .unwrap();
    d.agenda.apply(&mut rows);
    assert_eq!(rows, query::agenda(&book, Some(&owner)).unwrap());
    assert!(
        rows.iter()
            .any(|r| r.item.account == renamed && r.name == "Renamed Before The Order")
    );
}

/// A key names its account through the store's index: after the key is
/// changed, after a merge drops the other account, and after both are
/// undone, `account_by_key` and `find_account` name what the records say.
#[test]
fn keys_find_their_accounts_after_a_new_key_a_merge_and_the_undos() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = demo_book(dir.path());
    let accounts = book.accounts().unwrap();
    let (a, b) = (accounts[3].clone(), accounts[4].clone());
    assert_eq!(book.account_by_key(&a.key).map(|x| x.id), Some(a.id));

    let mut renamed = a.clone();
    renamed.key = "ZZ-NEW-KEY".into();
    book.execute(
        WriteOp::SaveAccount {
            base: Some(a.clone()),
            account: renamed,
        },
        None,
    )
    .unwrap();
    assert!(book.account_by_key(&a.key).is_none(), "the old key");
    assert_eq!(book.account_by_key("ZZ-NEW-KEY").map(|x| x.id), Some(a.id));
    assert_eq!(book.find_account("zz-new-key").unwrap().id, a.id);

    book.execute(
        WriteOp::MergeAccounts {
            keep: "ZZ-NEW-KEY".into(),
            drop: b.key.clone(),
            take: Vec::new(),
        },
        None,
    )
    .unwrap();
    assert!(book.account_by_key(&b.key).is_none(), "the merged-away key");
    assert!(book.find_account(&b.key).is_err());

    book.execute(WriteOp::Undo, None).unwrap();
    assert_eq!(book.account_by_key(&b.key).map(|x| x.id), Some(b.id));
    book.execute(WriteOp::Undo, None).unwrap();
    assert_eq!(book.account_by_key(&a.key).map(|x| x.id), Some(a.id));
    assert!(book.account_by_key("ZZ-NEW-KEY").is_none());
}

/// An account's first history sets its tier quietly (recorded, nothing on
/// its timeline); a later move of an account with history is logged.
#[test]
fn a_first_order_sets_the_tier_quietly_and_a_later_move_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = demo_book(dir.path());
    let owner = book.accounts().unwrap()[0].owner.clone();
    let new = kam::domain::Account {
        key: "NEW-1".into(),
        name: "Newcomer".into(),
        owner,
        ..Default::default()
    };
    book.execute(
        WriteOp::SaveAccount {
            base: None,
            account: new,
        },
        None,
    )
    .unwrap();
    let id = book.account_by_key("NEW-1").unwrap().id;
    let system = |b: &Book| {
        b.store()
            .interactions_of(id)
            .unwrap()
            .into_iter()
            .filter(|i| i.kind == InteractionKind::System)
            .count()
    };
    let order = |b: &mut Book, units: i64| {
        let mut i = Interaction::new(id, InteractionKind::Order, today());
        i.amount = Some(Money::from_units(units));
        b.execute(WriteOp::AddInteraction { interaction: i }, None)
            .unwrap();
    };
    order(&mut book, 10);
    let first = book.engine().tier(id).unwrap();
    assert_eq!(system(&book), 0, "the first history is a baseline");
    assert_eq!(
        book.store()
            .recorded_tiers()
            .unwrap()
            .get(&id)
            .map(|t| t.to_string()),
        Some(first.clone())
    );
    order(&mut book, 500_000_000);
    let after = book.engine().tier(id).unwrap();
    assert_ne!(after, first, "a large order moves it");
    assert_eq!(system(&book), 1, "the move is logged");
    assert_eq!(
        book.store()
            .recorded_tiers()
            .unwrap()
            .get(&id)
            .map(|t| t.to_string()),
        Some(after)
    );
}

/// After orders, notes and follow-ups (one write or a few between reads),
/// the list's rows are patched, not built again, and every list, search
/// and page equals rows made afresh.
#[test]
fn the_rows_patched_after_writes_equal_fresh_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = demo_book(dir.path());
    assert_lists_fresh(&book, "after open");
    let ids: Vec<_> = book.accounts().unwrap().iter().map(|a| a.id).collect();
    // Accounts with an order already: another one replaces ranked values
    // (the same number of them), which the journal tells one by one.
    let active: Vec<_> = ids
        .iter()
        .copied()
        .filter(|id| {
            book.engine()
                .score(*id)
                .is_some_and(|s| s.metrics.orders_12m > 0)
        })
        .collect();
    assert!(active.len() > 20);
    let patched = book.rows_patched();
    for n in 0..12usize {
        for k in 0..1 + n % 3 {
            let id = active[(n * 37 + k * 11) % active.len()];
            let mut i = match (n + k) % 3 {
                0 | 1 => {
                    let mut i = Interaction::new(id, InteractionKind::Order, today());
                    i.amount = Some(Money::from_units(50 + 977 * n as i64));
                    i
                }
                _ => {
                    let mut i = Interaction::new(id, InteractionKind::Note, today());
                    i.summary = format!("note {n}");
                    i
                }
            };
            i.follow_up = (n % 4 == 0).then_some(today());
            book.execute(WriteOp::AddInteraction { interaction: i }, None)
                .unwrap();
            // A search between writes patches the rows and sorts the
            // default order alone: the next patch finds the other orders
            // still to be made from an older one, with more rows moved.
            if k == 0 && n % 3 > 0 {
                query::search(&book, "e", 3).unwrap();
            }
        }
        if n % 5 == 4 {
            book.save_followup(FollowUp {
                id: kam::domain::FollowUpId(0),
                version: 0,
                account: active[n],
                due: today(),
                assignee: "alice".into(),
                note: format!("call back {n}"),
                done_at: None,
            })
            .unwrap();
        }
        assert_lists_fresh(&book, &format!("after write batch {n}"));
    }
    assert!(
        book.rows_patched() >= patched + 4,
        "the rows were patched {} times in 12 batches",
        book.rows_patched() - patched
    );
}
