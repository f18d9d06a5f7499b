//! Helpers shared by forms: per-field error messages and e-mail addresses.

/// Messages attached to form fields by name, in the user's language.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors {
    entries: Vec<(String, String)>,
}

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.entries.push((field.into(), message.into()));
    }

    /// The message for a field, or "" (templates test `!= ""`).
    pub fn get(&self, field: &str) -> &str {
        self.entries.iter().find(|(f, _)| f == field).map_or("", |(_, m)| m.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.entries.iter().any(|(f, _)| f == field)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn all(&self) -> impl Iterator<Item = &(String, String)> {
        self.entries.iter()
    }
}

/// A plausible e-mail address: something@domain.tld, no spaces. (Delivery is the real test.)
pub fn looks_like_email(email: &str) -> bool {
    let email = email.trim();
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
        && email.len() <= 254
        && !domain.contains('@')
}

#[cfg(test)]
mod tests {
    use super::looks_like_email;

    #[test]
    fn emails() {
        assert!(looks_like_email("teacher@school.tyc.edu.tw"));
        for bad in ["", "a", "a@b", "a b@c.tw", "@c.tw", "a@.tw", "a@b@c.tw"] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }
}
