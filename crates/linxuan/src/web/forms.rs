//! Helpers shared by forms: per-field error messages, and reading the client's address.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::request::Parts;

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

/// The client's address: the socket peer, or the first `X-Forwarded-For` hop when Linxuan is
/// told it sits behind a proxy.
pub fn client_address(headers: &HeaderMap, connect: Option<&ConnectInfo<SocketAddr>>, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(forwarded) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(first) = forwarded.split(',').next().map(str::trim).filter(|s| !s.is_empty())
    {
        return first.to_string();
    }
    connect.map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string())
}

/// [`client_address`] from request parts.
pub fn client_address_of(parts: &Parts, trust_proxy: bool) -> String {
    client_address(&parts.headers, parts.extensions.get::<ConnectInfo<SocketAddr>>(), trust_proxy)
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

/// The client's address as an extractor (see [`client_address`]).
pub struct ClientAddr(pub String);

impl axum::extract::FromRequestParts<crate::app::AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &crate::app::AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_address_of(parts, state.config.trust_proxy)))
    }
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
