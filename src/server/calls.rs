//! The server side of `RemoteBackend`: one `Backend` method per request, run
//! on the server's `Book` for the client's user, its value encoded for the
//! wire. Writes go through `Book::execute` with the client's request id, so
//! a resent write is applied once.

use super::frame;
use super::protocol::{Call, WireError};
use crate::backend::{Backend, BackendResult, written};
use crate::book::query::{self, Touched};
use crate::book::{Book, RequestId, WriteOp};
use serde::Serialize;

/// Runs one call. `request` names a write for exactly-once.
pub fn answer(book: &mut Book, call: Call, request: RequestId) -> Result<Vec<u8>, WireError> {
    fn res<T: Serialize>(r: BackendResult<T>) -> Result<Vec<u8>, WireError> {
        match r {
            Ok(v) => frame::encode(&v)
                .map_err(|e| WireError::Other(format!("cannot encode the answer: {e}"))),
            Err(e) => Err(WireError::from(&e)),
        }
    }
    let b: &mut Book = book;
    match call {
        Call::Model => res(Ok(Backend::model(b).to_toml())),
        Call::List(q) => res(Backend::list(b, &q)),
        Call::Rows(ids) => res(Backend::rows(b, &ids)),
        Call::Search { text, limit } => res(Backend::search(b, &text, limit)),
        Call::Detail(id) => res(Backend::detail(b, id)),
        Call::Timeline {
            account,
            offset,
            limit,
        } => res(Backend::timeline(b, account, offset, limit)),
        Call::Matrix => res(Backend::matrix(b)),
        Call::Agenda(owner) => res(Backend::agenda(b, owner.as_deref())),
        Call::Delta(touched, have) => res(Backend::delta(b, touched, have)),
        Call::Report { period, owner } => res(Backend::report(b, period, owner.as_deref())),
        Call::Account(id) => res(Backend::account(b, id)),
        Call::Score(id) => res(Backend::score(b, id)),
        Call::ContactsOf(id) => res(Backend::contacts_of(b, id)),
        Call::InteractionsOf(id) => res(Backend::interactions_of(b, id)),
        Call::FollowupsOf(id) => res(Backend::followups_of(b, id)),
        Call::History(id) => res(Backend::history(b, id)),
        Call::ChangesSince(seq) => res(Backend::changes_since(b, seq)),
        Call::LastSeq => res(Backend::last_seq(b)),
        Call::Views => res(Backend::views(b)),
        Call::Execute(op) => res(written(b, op, Some(request)).map_err(Into::into)),
        Call::ReviewDue => res(Backend::review_due(b)),
        Call::PlanMerge { keep, drop, take } => res(Backend::plan_merge(b, &keep, &drop, &take)),
    }
}

/// The list rows the changes after `seq` touched, for the notice to the
/// other clients (`All` when the log cannot be read: they reload).
pub fn touched_since(book: &Book, seq: u64) -> Touched {
    query::touched_since(book, seq).unwrap_or(Touched::All)
}

/// One line describing a write, for the other users' status bars.
pub fn summary(book: &Book, op: &WriteOp) -> String {
    let key = |id| {
        book.account(id)
            .map(|a| a.key.clone())
            .unwrap_or_else(|| "an account".into())
    };
    match op {
        WriteOp::SaveAccount { account, .. } if account.id.0 == 0 => {
            format!("added account {}", account.key)
        }
        WriteOp::SaveAccount { account, .. } => format!("edited account {}", account.key),
        WriteOp::AddInteraction { interaction: i } => {
            format!("logged {} on {}", i.kind.as_str(), key(i.account))
        }
        WriteOp::SaveContact { contact: c, .. } => {
            format!("saved contact {} of {}", c.name, key(c.account))
        }
        WriteOp::SaveFollowUp { followup: f, .. } => {
            format!("saved a follow-up on {}", key(f.account))
        }
        WriteOp::CompleteFollowUp { .. } => "completed a follow-up".into(),
        WriteOp::Snooze { .. } => "snoozed an agenda item".into(),
        WriteOp::MarkReview => "marked a tier review".into(),
        WriteOp::SetModel { .. } => "changed the scoring model".into(),
        WriteOp::Pin { key, tier, .. } => format!("pinned {key} to {tier}"),
        WriteOp::Unpin { key } => format!("unpinned {key}"),
        WriteOp::Undo => "undid their last change".into(),
        WriteOp::FinishReview { .. } => "finished a tier review".into(),
        WriteOp::MergeAccounts { keep, drop, .. } => format!("merged {drop} into {keep}"),
        WriteOp::SaveView {
            name,
            view: Some(_),
        } => format!("saved the team view {name}"),
        WriteOp::SaveView { name, view: None } => format!("deleted the team view {name}"),
        WriteOp::Bulk { changes, .. } => {
            let labels: Vec<String> = changes.iter().map(|c| c.label()).collect();
            format!("bulk change: {}", labels.join(" "))
        }
        WriteOp::SaveKeyDate { key_date: k } => {
            format!("saved a {} date on {}", k.kind.as_str(), key(k.account))
        }
        WriteOp::DeleteKeyDate { .. } => "deleted a key date".into(),
        WriteOp::SetHook { name, argv } if argv.is_empty() => format!("removed the {name} hook"),
        WriteOp::SetHook { name, .. } => format!("set the {name} hook"),
    }
}
