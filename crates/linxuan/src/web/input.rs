//! Input cleaned at the edge, before any handler sees it: control characters and the
//! characters that reorder text are removed from every query string and form
//! (`linxuan_core::text::clean`), and a path with such characters in it is refused. NUL in a
//! sign-in e-mail no longer reaches PostgreSQL (which cannot store it), and `\u{202E}` no
//! longer turns `成果gpj.exe` around. Multipart forms (uploads, imports) are cleaned field by
//! field where they are read.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use linxuan_core::text::{clean, is_unwanted};

use crate::web::error::AppError;

/// Largest URL-encoded form read here (the same as the CSRF check reads).
const FORM_LIMIT: usize = 4 * 1024 * 1024;

/// The bytes of a percent-encoded string, decoded (a bad escape is kept as it is).
fn percent_decoded(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) =
                (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// A form or query string with every name and value cleaned; `None` when nothing changed.
pub fn cleaned_form(encoded: &[u8]) -> Option<String> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(encoded).into_owned().collect();
    let dirty =
        pairs.iter().any(|(k, v)| k.chars().chain(v.chars()).any(|c| is_unwanted(c) || c == '\u{0B}' || c == '\u{0C}'));
    if !dirty {
        return None;
    }
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        out.append_pair(&clean(k), &clean(v));
    }
    Some(out.finish())
}

pub async fn clean_input(request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let path = String::from_utf8_lossy(&percent_decoded(parts.uri.path())).into_owned();
    if path.chars().any(|c| c.is_control() || linxuan_core::text::is_bidi_control(c)) {
        return AppError::bad_request("網址含有不允許的控制字元", "the address contains control characters")
            .into_response();
    }
    if let Some(query) = parts.uri.query()
        && let Some(cleaned) = cleaned_form(query.as_bytes())
    {
        let mut uri = parts.uri.clone().into_parts();
        let path_and_query = format!("{}?{cleaned}", parts.uri.path());
        uri.path_and_query = path_and_query.parse().ok();
        if let Ok(new) = Uri::from_parts(uri) {
            parts.uri = new;
        }
    }
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let bytes = match to_bytes(body, FORM_LIMIT).await {
        Ok(b) => b,
        Err(_) => return AppError::PayloadTooLarge.into_response(),
    };
    let body = match cleaned_form(&bytes) {
        Some(cleaned) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Body::from(cleaned)
        }
        None => Body::from(bytes),
    };
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_cleaned_only_when_needed() {
        assert_eq!(cleaned_form(b"email=a%40x.tw&password=x"), None);
        assert_eq!(cleaned_form(b"email=a%00%40x.tw&name=%E2%80%AEabc").as_deref(), Some("email=a%40x.tw&name=abc"));
        assert_eq!(cleaned_form("note=一%0B二".as_bytes()).as_deref(), Some("note=%E4%B8%80%0A%E4%BA%8C"));
        assert_eq!(percent_decoded("/a%00b%zz"), b"/a\0b%zz");
    }
}
