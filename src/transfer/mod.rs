//! Records in and out of the book as files: CSV/JSON columns, import
//! (parse, check, plan) and export. Above `book`, below `commands`.

pub mod columns;
pub mod contentline;
pub mod decode;
pub mod export;
pub mod import;
pub mod vcard;
