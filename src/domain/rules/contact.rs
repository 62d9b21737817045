//! Contacts: a name.

use super::FieldError;
use crate::domain::records::Contact;
use crate::domain::text::clean_line;

pub fn sanitize_contact(c: &mut Contact) -> Result<(), FieldError> {
    c.name = clean_line(&c.name);
    c.title = clean_line(&c.title);
    c.email = clean_line(&c.email);
    c.phone = clean_line(&c.phone);
    if c.name.is_empty() {
        return Err(FieldError::new("name", "must not be empty"));
    }
    Ok(())
}
