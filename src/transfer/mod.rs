//! Records in and out of the book as files: CSV/JSON columns, import
//! (parse, check, plan) and export. Above `book`, below `commands`.

pub mod columns;
mod contact_index;
pub mod contentline;
pub mod decode;
pub mod export;
pub mod import;
pub mod source;
pub mod vcard;
