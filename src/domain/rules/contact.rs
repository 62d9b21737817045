//! Contacts: a name.

use super::FieldError;
use crate::domain::records::Contact;
use crate::domain::text::clean_line_in;

pub fn sanitize_contact(c: &mut Contact) -> Result<(), FieldError> {
    clean_line_in(&mut c.name);
    clean_line_in(&mut c.title);
    clean_line_in(&mut c.email);
    clean_line_in(&mut c.phone);
    if c.name.is_empty() {
        return Err(FieldError::new("name", "must not be empty"));
    }
    Ok(())
}
