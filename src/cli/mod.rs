//! Command-line twins of every view: import, export, demo data, reports.
