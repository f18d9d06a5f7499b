//! Who is on the other end: the client's address, as the socket gives it or, behind a
//! reverse proxy, as the proxies we trust say it.
//!
//! `X-Forwarded-For` is a list each proxy appends to: `client, proxy1, proxy2`. Everything
//! left of the last hop a trusted proxy added is what the client itself claimed, and a client
//! can claim anything: so the client is the right-most hop that is not a trusted proxy, and
//! the header is believed only when the connection itself comes from a trusted proxy.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::request::Parts;

/// An address or a network (`10.0.0.0/8`, `::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    base: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn parse(text: &str) -> Option<Network> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a.trim(), Some(p.trim().parse::<u8>().ok()?)),
            None => (text, None),
        };
        let base: IpAddr = addr.parse().ok()?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Network { base, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - self.prefix) };
                u32::from(base) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - self.prefix) };
                u128::from(base) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The trusted proxies from the setting (entries that do not parse are ignored and logged).
pub fn trusted_proxies(setting: &str) -> Vec<Network> {
    setting
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .filter_map(|s| {
            let parsed = Network::parse(s);
            if parsed.is_none() {
                tracing::warn!(entry = s.trim(), "LINXUAN_TRUSTED_PROXIES: not an address or network; ignored");
            }
            parsed
        })
        .collect()
}

/// The client's address (see the module documentation).
pub fn client_address(headers: &HeaderMap, peer: Option<IpAddr>, trusted: Option<&[Network]>) -> String {
    let Some(peer) = peer else { return "unknown".into() };
    let Some(trusted) = trusted else { return peer.to_string() };
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer.to_string();
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(ip) => continue,
            Ok(ip) => return ip.to_string(),
            // Not an address: whatever put it there is not a proxy we know.
            Err(_) => return (*hop).chars().take(64).collect(),
        }
    }
    hops.first().map_or_else(|| peer.to_string(), |h| h.to_string())
}

/// The client's address as an extractor (see [`client_address`]).
pub struct ClientAddr(pub String);

impl axum::extract::FromRequestParts<crate::app::AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &crate::app::AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let trusted = state.config.trust_proxy.then_some(state.trusted_proxies.as_slice());
        Ok(ClientAddr(client_address(&parts.headers, peer, trusted)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn networks() {
        let n = Network::parse("10.0.0.0/8").unwrap();
        assert!(n.contains("10.1.2.3".parse().unwrap()));
        assert!(!n.contains("11.0.0.1".parse().unwrap()));
        assert!(n.contains("::ffff:10.0.0.1".parse().unwrap()));
        assert!(Network::parse("::1").unwrap().contains("::1".parse().unwrap()));
        assert!(Network::parse("1.2.3.4/33").is_none());
        assert!(Network::parse("proxy").is_none());
        assert_eq!(trusted_proxies("127.0.0.0/8, ::1, nonsense").len(), 2);
    }

    #[test]
    fn the_client_is_the_right_most_hop_no_trusted_proxy_added() {
        let trusted = trusted_proxies("127.0.0.1, 10.0.0.0/8");
        let local = Some("127.0.0.1".parse().unwrap());
        // A client claiming to be someone else: the proxy appended the real address.
        assert_eq!(client_address(&headers("6.6.6.6, 203.0.113.9"), local, Some(&trusted)), "203.0.113.9");
        // Through two of our proxies.
        assert_eq!(client_address(&headers("1.1.1.1, 203.0.113.9, 10.0.0.5"), local, Some(&trusted)), "203.0.113.9");
        // A connection that does not come from a trusted proxy: the header means nothing.
        let outside = Some("198.51.100.7".parse().unwrap());
        assert_eq!(client_address(&headers("1.2.3.4"), outside, Some(&trusted)), "198.51.100.7");
        // Not behind a proxy at all.
        assert_eq!(client_address(&headers("1.2.3.4"), local, None), "127.0.0.1");
        assert_eq!(client_address(&HeaderMap::new(), local, Some(&trusted)), "127.0.0.1");
    }
}
