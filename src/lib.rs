//! kam — key account management in the terminal.
//!
//! Data flows one way: key → action → update → effect → store → segment engine
//! → events → state → render. See DESIGN.md in the shared folder.

pub mod cli;
pub mod clock;
pub mod domain;
