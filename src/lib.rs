//! kam — key account management in the terminal.
//!
//! Data flows one way: key → action → update → effect → store → segment engine
//! → events → state → render. See DESIGN.md in the shared folder.

pub mod audit;
pub mod backend;
pub mod book;
pub mod chunks;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod demo;
pub mod describe;
pub mod domain;
pub mod identity;
pub mod par;
pub mod paths;
pub mod segment;
pub mod server;
pub mod store;
pub mod transfer;
pub mod tui;
