//! Translations (locales/*.yml, compiled in by rust-i18n). zh-TW first, English second.

use std::borrow::Cow;

pub use linxuan_core::Lang;

/// The text for `key` in `lang`; the key itself when it has no translation (a test checks
/// that every key the templates use exists in both languages).
pub fn t(lang: Lang, key: &str) -> Cow<'static, str> {
    match crate::_rust_i18n_try_translate(lang.code(), key) {
        Some(text) => Cow::Owned(text.into_owned()),
        None => Cow::Owned(key.to_string()),
    }
}

/// Whether `key` is translated in `lang`.
pub fn has(lang: Lang, key: &str) -> bool {
    crate::_rust_i18n_try_translate(lang.code(), key).is_some()
}

/// `t` with `{name}` placeholders filled in.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut text = t(lang, key).into_owned();
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// Picks zh-TW or English text written inline (for messages built with data, such as the
/// core's validation problems).
pub fn pick<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::ZhTw => zh,
        Lang::En => en,
    }
}

/// The language an `Accept-Language` header prefers, if it names one we speak.
pub fn from_accept_language(header: &str) -> Option<Lang> {
    header.split(',').filter_map(|part| Lang::parse(part.split(';').next().unwrap_or(""))).next()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string literal in the sources and templates that looks like a translation key.
    fn keys_in_sources() -> Vec<String> {
        const NAMESPACES: &[&str] = &[
            "account",
            "app",
            "audit",
            "board",
            "communities",
            "community",
            "consent",
            "dashboard",
            "files",
            "forgot",
            "form",
            "home",
            "import",
            "invite",
            "link",
            "login",
            "meetings",
            "members",
            "nav",
            "plan",
            "progress",
            "publish",
            "remind",
            "reset",
            "results",
            "review",
            "role",
            "schools",
            "selfeval",
            "setup",
            "timeline",
            "users",
        ];
        let mut keys = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
                if ext != "rs" && ext != "html" {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                // Tests name form fields that look like keys; only the code before them counts.
                let text = match (ext, text.find("#[cfg(test)]")) {
                    ("rs", Some(i)) => text[..i].to_string(),
                    _ => text,
                };
                // Every quoted `namespace.key` (nested quotes in templates make a simple
                // split unreliable, so look at each opening quote).
                for (at, _) in text.match_indices('"') {
                    let rest = &text[at + 1..];
                    let Some(end) = rest.find('"') else { continue };
                    let literal = &rest[..end];
                    let Some((ns, tail)) = literal.split_once('.') else { continue };
                    let plain = tail.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
                    // Audit actions (`Change::new("plan.update", …)`) and file names are not text.
                    let before = &text[..at];
                    let action = before.ends_with("change(")
                        || before.ends_with("Change::new(")
                        || [".csv", ".xlsx", ".html", ".toml"].iter().any(|ext| literal.ends_with(ext));
                    if NAMESPACES.contains(&ns) && plain && !tail.is_empty() && !tail.ends_with('.') && !action {
                        keys.push(literal.to_string());
                    }
                }
            }
        }
        // Keys the code builds from data.
        for category in crate::web::community::files::CATEGORIES {
            keys.push(crate::web::community::files::category_key(category));
        }
        for status in ["approved", "pending", "rejected"] {
            keys.push(format!("community.status.{status}"));
            keys.push(format!("communities.now_{status}"));
        }
        for status in ["sent", "failed", "not-configured"] {
            keys.push(format!("remind.status.{status}"));
        }
        keys.sort();
        keys.dedup();
        keys
    }

    #[test]
    fn every_key_the_code_uses_is_translated_in_both_languages() {
        let keys = keys_in_sources();
        assert!(keys.len() > 200, "the scan finds the keys ({})", keys.len());
        let missing: Vec<_> = keys
            .iter()
            .flat_map(|k| {
                [Lang::ZhTw, Lang::En].into_iter().filter(|l| !has(*l, k)).map(move |l| format!("{} {k}", l.code()))
            })
            .collect();
        assert!(missing.is_empty(), "untranslated: {missing:?}");
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(tf(Lang::ZhTw, "users.count", &[("n", "3")]), "共 3 個帳號");
        assert_eq!(tf(Lang::En, "users.count", &[("n", "3")]), "3 accounts");
        assert_eq!(from_accept_language("en-US,en;q=0.9,zh-TW;q=0.8"), Some(Lang::En));
        assert_eq!(from_accept_language("zh-TW,zh;q=0.9"), Some(Lang::ZhTw));
        assert_eq!(from_accept_language("fr-FR"), None);
    }
}
