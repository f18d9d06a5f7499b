//! Text as it arrives from outside (a form, a file name, a spreadsheet cell), made safe to
//! store and to show.
//!
//! Control characters have no place in a name, a title or a comment: NUL cannot even be
//! stored in PostgreSQL, and the characters that reorder text (U+202E RIGHT-TO-LEFT OVERRIDE
//! and its kin) make `成果\u{202E}gpj.exe` look like `成果exe.jpg`. They are removed at the
//! edge, before anything else sees them. Line breaks and tabs stay (a comment has
//! paragraphs); the vertical tab and form feed that Word puts in pasted text become line
//! breaks.

use std::borrow::Cow;

/// Whether `ch` reorders the text around it: the embeddings, overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069) and the marks (U+200E, U+200F, U+061C).
pub fn is_bidi_control(ch: char) -> bool {
    matches!(ch, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Whether `ch` is removed from text taken in: control characters other than tab and line
/// breaks, and the bidirectional controls.
pub fn is_unwanted(ch: char) -> bool {
    (ch.is_control() && !matches!(ch, '\t' | '\n' | '\r' | '\u{0B}' | '\u{0C}')) || is_bidi_control(ch)
}

/// `text` without unwanted characters (see the module documentation); borrowed when nothing
/// had to change, which is nearly always.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unwanted(c) || matches!(c, '\u{0B}' | '\u{0C}')) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter(|c| !is_unwanted(*c))
            .map(|c| if matches!(c, '\u{0B}' | '\u{0C}') { '\n' } else { c })
            .collect(),
    )
}

/// A one-line name (a file name, a title): [`clean`], with line breaks and tabs as spaces.
pub fn clean_line(text: &str) -> String {
    clean(text).chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn removes_what_hides_or_breaks_text() {
        assert_eq!(clean("成果\u{202E}gpj.exe"), "成果gpj.exe");
        assert_eq!(clean("a\0b"), "ab");
        assert_eq!(clean("第一段\u{0B}第二段"), "第一段\n第二段");
        assert_eq!(clean("tab\there\r\nnext"), "tab\there\r\nnext");
        assert_eq!(clean("\u{7F}\u{85}\u{9F}x\u{200E}\u{2066}"), "x");
        assert!(matches!(clean("桃園市 西門國小"), Cow::Borrowed(_)));
        assert_eq!(clean_line("報告\n第二版\t.pdf"), "報告 第二版 .pdf");
    }

    proptest! {
        #[test]
        fn clean_text_has_nothing_unwanted_and_is_idempotent(s in any::<String>()) {
            let once = clean(&s).into_owned();
            let leftover = once.chars().any(|c| is_unwanted(c) || matches!(c, '\u{0B}' | '\u{0C}'));
            prop_assert!(!leftover, "left in: {:?}", once);
            prop_assert_eq!(clean(&once), once.as_str());
            prop_assert!(!clean_line(&s).chars().any(char::is_control));
        }
    }
}
