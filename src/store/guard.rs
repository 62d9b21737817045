//! The open guard (placeholder, filled in below).
pub const CLOSED_FILE: &str = "kam.closed";
pub const COPY_DIR: &str = "kam-copy-before-open";
