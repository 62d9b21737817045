//! The terminal UI: keymap, app state and update, panes, overlays, event loop.
//!
//! key → keymap (context-aware) → `Action` → `app::update` → `Effect`s
//! performed through the `Backend` → refreshed views → `render`.

pub mod app;
pub mod data;
pub mod effect;
pub use crate::book::query::filter;
pub mod forms;
pub use crate::book::query::fuzzy;
pub mod input;
pub mod keymap;
pub mod layout;
pub mod msg;
pub mod overlays;
pub mod panes;
pub mod render;
pub mod runner;
pub mod state;
pub mod status;
pub mod text;
pub mod theme;
pub mod view;

pub use runner::{App, RunOptions, run};
