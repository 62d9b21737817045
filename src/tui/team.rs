//! Team-mode effects, performed through the backend for the runner: saves
//! that carry the form's base (merged or refused as a conflict, which puts
//! the form into conflict resolution), undo, and the history overlay.

use super::app::{Effect, Overlay, State, conflict_hint};
use super::forms::Record;
use crate::audit::RecordImage;
use crate::backend::{Backend, BackendResult};
use crate::book::{BookError, WriteOutcome};
use crate::store::StoreError;

/// Saves a form's record; an account edit carries the account as the form
/// read it.
pub fn save(
    state: &State,
    backend: &mut dyn Backend,
    record: Record,
) -> BackendResult<WriteOutcome> {
    let base = match &state.overlay {
        Some(Overlay::Form { form, .. }) => form.base_account().cloned(),
        _ => None,
    };
    backend.execute(record.into_op(base))
}

/// A failed save: a conflict moves the open form onto the current record and
/// marks the fields both sides changed; anything else is reported. The form
/// stays open either way, so nothing typed is lost.
pub fn save_failed(state: &mut State, e: BookError) {
    if let BookError::Conflict(info) = &e
        && let RecordImage::Account(current) = &info.current
        && let Some(Overlay::Form { form, .. }) = &mut state.overlay
        && form.base_account().is_some()
    {
        let n = form.rebase(current);
        let who = info
            .by
            .as_deref()
            .map(|u| format!("{u} changed {} meanwhile. ", info.record.label()))
            .unwrap_or_default();
        if n == 0 {
            state.info(format!(
                "{who}Their changes were taken into the form; check and save again"
            ));
        } else {
            let hint = conflict_hint(state, n);
            state.error(format!("{who}{hint}"));
        }
        return;
    }
    // A refusal about one field goes next to that field, where it is read.
    let field = match &e {
        BookError::Store(StoreError::DuplicateKey(k)) => {
            Some(("key", format!("'{k}' is already used by another account")))
        }
        BookError::Store(StoreError::Invalid(fe)) => Some((fe.field, fe.reason.clone())),
        _ => None,
    };
    if let Some((name, reason)) = field
        && let Some(Overlay::Form { form, .. }) = &mut state.overlay
        && form.set_error(name, &reason)
    {
        state.error("Not saved: fix the marked field, then save again");
        return;
    }
    state.error(format!("Not saved: {e}"));
}

/// Undo and history. Returns true when the views must be reloaded.
pub fn perform(state: &mut State, backend: &mut dyn Backend, effect: Effect) -> bool {
    match effect {
        Effect::Undo => match backend.undo() {
            Ok(out) => {
                let n = out.undone.unwrap_or_default();
                // Name what was undone, as `kam undo` does.
                let entry = backend
                    .changes_since(n.saturating_sub(1))
                    .ok()
                    .and_then(|v| v.into_iter().find(|e| e.seq == n));
                let what = match entry {
                    Some(e) => crate::describe::undone_summary(&e, backend.user()),
                    None => format!("#{n}"),
                };
                state.ok(format!("Undone {what}"));
                true
            }
            Err(e) => {
                state.error(format!("Not undone: {e}"));
                false
            }
        },
        Effect::History { account, label } => {
            match backend.history(account) {
                Ok(entries) => {
                    state.overlay = Some(Overlay::History {
                        title: label,
                        lines: super::overlays::history::lines(&entries, account),
                        scroll: 0,
                    })
                }
                Err(e) => state.error(format!("Could not load the history: {e}")),
            }
            false
        }
        _ => false,
    }
}
