//! The terminal UI: keymap, state per pane, update, panes, overlays, event loop.
//!
//! key → keymap (context-aware) → `Action` → `app::update` (the open overlay
//! or the focused pane handles it) → `Effect`s carrying their data → the
//! runner performs them through the `Backend` → each answer comes back as a
//! `Msg` → `msg::apply` → state → `render`. Only `app` and `msg` change the
//! state; a write's answer carries what it changed, so nothing reloads the
//! book, and a lost server keeps the last data on screen.

pub mod app;
pub mod data;
pub mod draft;
pub mod effect;
pub mod events;
pub use crate::book::query::filter;
pub mod forms;
pub use crate::book::query::fuzzy;
pub mod input;
pub mod keymap;
pub mod layout;
pub mod marks;
pub mod mouse;
pub mod msg;
pub mod overlays;
pub mod panes;
pub mod render;
pub mod runner;
pub mod settings;
pub mod shell;
pub mod state;
pub mod status;
pub mod text;
pub mod theme;
pub mod view;

pub use runner::{App, RunOptions, run};
