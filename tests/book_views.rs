//! Team views in the store: saved through `execute` (one audited change),
//! read back after a reopen, undone as any change, refused with a filter the
//! model does not know.

use chrono::NaiveDate;
use kam::book::query::SortKey;
use kam::book::views::SavedView;
use kam::book::{Book, WriteOp};
use kam::clock::Clock;
use kam::store::Store;

fn open(dir: &std::path::Path) -> Book {
    let today = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    Book::open(Store::open(dir).unwrap(), Clock::fixed(today), "ann").unwrap()
}

fn save(name: &str, filter: &str) -> WriteOp {
    WriteOp::SaveView {
        name: name.into(),
        view: Some(SavedView {
            name: name.into(),
            filter: filter.into(),
            sort: SortKey::Revenue,
            reverse: true,
        }),
    }
}

#[test]
fn team_views_round_trip_through_the_store_and_undo() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut book = open(dir.path());
        book.execute(save("east", "region:east tier:key"), None)
            .unwrap();
        book.execute(save("mine", "who:ann"), None).unwrap();
    }
    let mut book = open(dir.path());
    let set = book.team_views().unwrap();
    assert_eq!(set.views.len(), 2);
    let east = set.get("east").unwrap();
    assert_eq!(east.filter, "region:east tier:key");
    assert_eq!((east.sort, east.reverse), (SortKey::Revenue, true));
    let last = book.changes_since(0).unwrap().pop().unwrap();
    assert_eq!(last.action, "save_view");

    let del = WriteOp::SaveView {
        name: "east".into(),
        view: None,
    };
    book.execute(del.clone(), None).unwrap();
    assert!(book.team_views().unwrap().get("east").is_none());
    assert!(book.execute(del, None).is_err(), "already gone");
    book.execute(WriteOp::Undo, None).unwrap();
    assert!(
        book.team_views().unwrap().get("east").is_some(),
        "undo restores"
    );

    let e = book.execute(save("bad", "tier:gold"), None).unwrap_err();
    assert!(e.to_string().contains("no tier 'gold'"), "{e}");
}
