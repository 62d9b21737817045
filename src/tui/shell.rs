//! Terminal manners: what a key asks of the terminal rather than of the
//! book — suspend to the shell (Ctrl-Z), copy to the clipboard (OSC 52),
//! a form's multi-line text handed to `$VISUAL`/`$EDITOR`. `update` records
//! the request in the state; the runner, which owns the terminal, carries
//! it out and hands any answer back (`apply_edit`).

use super::keymap::Action;
use super::state::{Overlay, Pane, State};
use crate::domain::AccountId;
use std::io::Write;

/// What the runner must do with the terminal before the next frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermRequest {
    /// Give the terminal back and stop (SIGTSTP); redraw all at `fg`.
    Suspend,
    /// Put `text` on the clipboard of the terminal the user sits at.
    Copy(String),
    /// Edit the focused form field's text in the user's editor.
    Edit(String),
}

/// The state's part of the terminal manners.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shell {
    /// Waiting for the runner.
    pub request: Option<TermRequest>,
    /// The last contact detail copied (account, what, index), so that the
    /// same keys again copy the next contact's.
    pub last_copy: Option<(AccountId, &'static str, usize)>,
}

/// `suspend`: works everywhere, also with a form open (its text stays).
pub fn suspend(state: &mut State) {
    state.shell.request = Some(TermRequest::Suspend);
}

/// `copy_key`, `copy_email`, `copy_phone` in a pane.
pub fn copy(state: &mut State, action: Action) {
    match action {
        Action::CopyKey => {
            let key = if state.focus == Pane::Agenda {
                state
                    .agenda
                    .rows
                    .get(state.agenda.selected)
                    .map(|r| r.key.clone())
            } else {
                state.selected_row().map(|r| r.text.key.to_string())
            };
            match key {
                Some(k) => {
                    state.info(format!("Copied the key {k}"));
                    state.shell.request = Some(TermRequest::Copy(k));
                }
                None => state.info("Nothing selected to copy"),
            }
        }
        Action::CopyEmail => copy_contact(state, "e-mail", |c| &c.email),
        Action::CopyPhone => copy_contact(state, "phone", |c| &c.phone),
        _ => {}
    }
}

/// Copies a contact's e-mail or phone: the primary contact first, then,
/// pressed again on the same account, the next contact that has one.
fn copy_contact(
    state: &mut State,
    what: &'static str,
    field: fn(&crate::domain::Contact) -> &String,
) {
    let Some(d) = &state.profile.detail else {
        state.info("No account selected");
        return;
    };
    let today = state.today;
    let id = d.account.id;
    let mut have: Vec<&crate::domain::Contact> = d
        .contacts
        .iter()
        .filter(|c| !field(c).trim().is_empty())
        .collect();
    // Primary, then backup, then the others; those who left last.
    have.sort_by_key(|c| (!c.is_active(today), !c.primary, !c.backup));
    if have.is_empty() {
        state.info(format!("No contact of {} has a {what}", d.account.key));
        return;
    }
    let i = match state.shell.last_copy {
        Some((a, w, i)) if a == id && w == what => (i + 1) % have.len(),
        _ => 0,
    };
    let (name, value) = (have[i].name.clone(), field(have[i]).trim().to_string());
    let n = have.len();
    let more = if n > 1 {
        format!(" ({} of {n}; again for the next)", i + 1)
    } else {
        String::new()
    };
    state.info(format!("Copied {name}'s {what} {value}{more}"));
    state.shell.last_copy = Some((id, what, i));
    state.shell.request = Some(TermRequest::Copy(value));
}

/// `external_editor` in a form: a multi-line field goes to the editor; a
/// one-line field keeps the key's line-editing meaning (end of line).
pub fn edit_request(state: &mut State) {
    if let Some(Overlay::Form {
        form,
        confirm_discard: false,
    }) = &mut state.overlay
        && let Some(f) = form.focused_mut()
    {
        if f.edit.multiline {
            let text = f.edit.text().to_string();
            state.shell.request = Some(TermRequest::Edit(text));
        } else {
            f.edit.handle(
                ratatui::crossterm::event::KeyCode::End,
                ratatui::crossterm::event::KeyModifiers::NONE,
            );
        }
    }
}

/// The editor's answer for the focused field (the form cannot have
/// changed meanwhile: nothing else ran).
pub fn apply_edit(state: &mut State, edited: Result<String, String>) {
    let text = match edited {
        Ok(t) => t,
        Err(e) => {
            state.error(format!("The editor failed; the field is unchanged: {e}"));
            return;
        }
    };
    let mut changed = false;
    if let Some(Overlay::Form { form, .. }) = &mut state.overlay
        && let Some(f) = form.focused_mut()
        && f.edit.multiline
    {
        changed = f.edit.text() != text;
        // Control characters other than newlines and tabs never enter a
        // field, from the editor either.
        let clean: String = text
            .chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect();
        f.edit.set(&clean);
        f.conflict = None;
        form.check_fields();
    }
    if changed {
        state.info("Text taken from the editor");
    } else {
        state.info("The editor left the text as it was");
    }
}

/// Standard base64 (RFC 4648, with padding), for OSC 52.
pub fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(ABC[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Writes `text` to the clipboard with OSC 52, which the terminal itself
/// carries out — so it works over SSH. Inside tmux the plain sequence is
/// taken by tmux when its `set-clipboard` allows; the copy wrapped in
/// tmux's passthrough reaches the outer terminal when `allow-passthrough`
/// is on. Either alone is harmless, so both are sent there.
pub fn write_osc52(out: &mut impl Write, text: &str, in_tmux: bool) -> std::io::Result<()> {
    let seq = format!("\x1b]52;c;{}\x07", base64(text.as_bytes()));
    out.write_all(seq.as_bytes())?;
    if in_tmux {
        // Every ESC inside a passthrough is doubled.
        let inner = seq.replace('\x1b', "\x1b\x1b");
        write!(out, "\x1bPtmux;{inner}\x1b\\")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded, "{plain:?}");
        }
        assert_eq!(base64("Müller".as_bytes()), "TcO8bGxlcg==");
    }

    #[test]
    fn osc52_is_plain_outside_tmux_and_also_wrapped_inside() {
        let mut out = Vec::new();
        write_osc52(&mut out, "ACC-7", false).unwrap();
        assert_eq!(out, b"\x1b]52;c;QUNDLTc=\x07");
        let mut out = Vec::new();
        write_osc52(&mut out, "ACC-7", true).unwrap();
        assert_eq!(
            out,
            b"\x1b]52;c;QUNDLTc=\x07\x1bPtmux;\x1b\x1b]52;c;QUNDLTc=\x07\x1b\\"
        );
    }
}
