//! Key bindings. One table of actions (`actions`: name, description, where
//! it works) feeds the keymap loader, `kam keymap check`, the help overlay,
//! the hint bar and every "press X" text, so none of them is written by hand
//! and none can promise a key that does nothing.
//!
//! * `actions` — the action table, the keymap sections and the places.
//! * `chord` — key names: parsing and printing `ctrl-s`, `g g`.
//! * `load` — the embedded default `keymap.toml` merged with the user's
//!   file, with every problem located (file:line: reason).
//! * `map` — the keymap in force: lookup, and the keys to name in text.

mod actions;
mod chord;
mod load;
mod map;

pub use actions::{Action, Context, Hint, Place};
pub use chord::{KeyChord, KeySeq};
pub use load::{DEFAULT_KEYMAP, KeymapError, check};
pub use map::{Keymap, Lookup};
