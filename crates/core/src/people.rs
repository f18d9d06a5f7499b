//! Teachers' identity numbers (身分證統一編號): checked, normalised and masked (SPEC §10).
//! The number itself is encrypted at rest by the storage layer; this module never stores it.

/// The value of each leading letter in the checksum (A=10, B=11, … with the historical gaps).
fn letter_value(c: char) -> Option<u32> {
    const ORDER: &str = "ABCDEFGHJKLMNPQRSTUVXYWZIO";
    ORDER.find(c).map(|i| i as u32 + 10)
}

/// Why a text is not a national ID number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("an ID number is one letter and nine digits, such as A123456789")]
    Shape,
    #[error("the check digit does not match: please check the number")]
    Checksum,
}

impl IdError {
    pub fn message_zh(&self) -> &'static str {
        match self {
            IdError::Shape => "身分證字號為 1 個英文字母加 9 個數字，例如 A123456789",
            IdError::Checksum => "身分證字號檢查碼不符，請再確認",
        }
    }
}

/// Checks a national ID or new-style resident certificate number (letter, then 1/2 or 8/9,
/// then eight digits, with the official check digit) and returns it upper-cased.
pub fn normalise_national_id(text: &str) -> Result<String, IdError> {
    let id: String = text.trim().chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let mut chars = id.chars();
    let first = chars.next().ok_or(IdError::Shape)?;
    let digits: Vec<u32> = chars.map(|c| c.to_digit(10)).collect::<Option<_>>().ok_or(IdError::Shape)?;
    let letter = letter_value(first).ok_or(IdError::Shape)?;
    if digits.len() != 9 || !matches!(digits[0], 1 | 2 | 8 | 9) {
        return Err(IdError::Shape);
    }
    let mut sum = letter / 10 + (letter % 10) * 9;
    for (i, d) in digits[..8].iter().enumerate() {
        sum += d * (8 - i as u32);
    }
    sum += digits[8];
    if sum % 10 != 0 {
        return Err(IdError::Checksum);
    }
    Ok(id)
}

/// `A123456789` → `A12****789`: enough for a person to recognise their own number.
pub fn mask_national_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 6))
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
    use super::*;

    #[test]
    fn emails() {
        assert!(looks_like_email("teacher@school.tyc.edu.tw"));
        for bad in ["", "a", "a@b", "a b@c.tw", "@c.tw", "a@.tw", "a@b@c.tw"] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    #[test]
    fn valid_numbers_pass_and_are_normalised() {
        for id in ["A123456789", "a123456789", " A1234 56789 ", "F131104093", "A800000014"] {
            assert!(normalise_national_id(id).is_ok(), "{id}");
        }
        assert_eq!(normalise_national_id("a123456789").unwrap(), "A123456789");
    }

    #[test]
    fn wrong_numbers_say_why() {
        assert_eq!(normalise_national_id("A123456788"), Err(IdError::Checksum));
        for bad in ["", "A12345678", "1234567890", "A323456789", "AB23456789", "A1234567890"] {
            assert_eq!(normalise_national_id(bad), Err(IdError::Shape), "{bad}");
        }
        assert!(IdError::Checksum.message_zh().contains("檢查碼"));
    }

    #[test]
    fn masking_keeps_three_at_each_end() {
        assert_eq!(mask_national_id("A123456789"), "A12****789");
        assert_eq!(mask_national_id("A1"), "**");
    }
}
