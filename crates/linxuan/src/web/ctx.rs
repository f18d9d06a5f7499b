//! The per-request context every page needs: language, the signed-in user, the CSRF token and
//! one-time messages (flash) carried over a redirect.

use std::borrow::Cow;

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::header;
use axum::http::request::Parts;
use linxuan_core::Lang;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::app::AppState;
use crate::i18n;
use crate::web::auth::{AuthSession, CurrentUser, Role};
use crate::web::error::AppError;

pub const CSRF_KEY: &str = "csrf";
const FLASH_KEY: &str = "flash";
/// When this session was last kept alive (Unix seconds): see [`keep_alive`].
const SEEN_KEY: &str = "seen";
/// How long a session lasts without a page being asked for.
pub const SESSION_IDLE_HOURS: i64 = 8;
/// How often an active session's lifetime is renewed. Renewing writes the session, so it is
/// done at most this often rather than on every page: a page view is then a read, nothing
/// more, and a session ends between 7 h 50 and 8 h after its last page.
const SESSION_RENEW_SECS: i64 = 600;
pub const LANG_COOKIE: &str = "lang";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// `ok`, `info` or `error`
    pub kind: String,
    pub text: String,
}

/// Leaves a message for the next page the user sees.
pub async fn flash(session: &Session, kind: &str, text: impl Into<String>) {
    let mut flashes: Vec<Flash> = session.get(FLASH_KEY).await.ok().flatten().unwrap_or_default();
    flashes.push(Flash { kind: kind.into(), text: text.into() });
    if let Err(e) = session.insert(FLASH_KEY, flashes).await {
        tracing::warn!(error = %e, "cannot keep a flash message");
    }
}

/// The messages left for this page, taken out of the session. Only a session that has some is
/// changed (and so written back).
async fn take_flashes(session: &Session) -> Vec<Flash> {
    match session.get::<Vec<Flash>>(FLASH_KEY).await {
        Ok(Some(_)) => session.remove(FLASH_KEY).await.ok().flatten().unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Whether a session last kept alive at `seen` (Unix seconds) is renewed at `now`.
fn needs_renewal(seen: Option<i64>, now: i64) -> bool {
    seen.is_none_or(|seen| !(0..SESSION_RENEW_SECS).contains(&(now - seen)))
}

/// Renews the session's lifetime when it was last renewed [`SESSION_RENEW_SECS`] ago or more
/// (the session layer saves a changed session, and its cookie, with a fresh expiry). Session
/// lifetimes are wall-clock time, as the session layer keeps them, not the plan's clock.
async fn keep_alive(session: &Session) {
    let now = chrono::Utc::now().timestamp();
    let seen = session.get::<i64>(SEEN_KEY).await.ok().flatten();
    if needs_renewal(seen, now) {
        let _ = session.insert(SEEN_KEY, now).await;
    }
}

/// The session's CSRF token, created on first use.
pub async fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(token) = session.get::<String>(CSRF_KEY).await.map_err(|e| AppError::Internal(e.to_string()))? {
        return Ok(token);
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    session.insert(CSRF_KEY, &token).await.map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(token)
}

#[derive(Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub csrf: String,
    pub user: Option<CurrentUser>,
    pub flashes: Vec<Flash>,
    /// Path and query of this page, for the language switch to come back to.
    pub here: String,
    pub session: Session,
}

impl Ctx {
    /// Translated text.
    pub fn t(&self, key: &str) -> Cow<'static, str> {
        i18n::t(self.lang, key)
    }

    /// Translated text with `{name}` placeholders filled.
    pub fn tf(&self, key: &str, args: &[(&str, &str)]) -> String {
        i18n::tf(self.lang, key, args)
    }

    /// Translated text with one `{name}` placeholder filled (handy in templates).
    pub fn tf1(&self, key: &str, name: &str, value: &str) -> String {
        i18n::tf(self.lang, key, &[(name, value)])
    }

    /// Inline zh-TW/English text built with data.
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        i18n::pick(self.lang, zh, en)
    }

    pub fn en(&self) -> bool {
        self.lang == Lang::En
    }

    /// Punctuation in the page's language: `：` or `: `.
    pub fn colon(&self) -> &'static str {
        self.pick("：", ": ")
    }
    /// `（` or ` (`.
    pub fn lp(&self) -> &'static str {
        self.pick("（", " (")
    }
    /// `）` or `)`.
    pub fn rp(&self) -> &'static str {
        self.pick("）", ")")
    }
    /// `；` or `; `.
    pub fn semi(&self) -> &'static str {
        self.pick("；", "; ")
    }
    /// `、` or `, ` (between the items of a list).
    pub fn sep(&self) -> &'static str {
        self.pick("、", ", ")
    }
    /// `，` or `, `.
    pub fn comma(&self) -> &'static str {
        self.pick("，", ", ")
    }
    /// `「` or `“`.
    pub fn lq(&self) -> &'static str {
        self.pick("「", "“")
    }
    /// `」` or `”`.
    pub fn rq(&self) -> &'static str {
        self.pick("」", "”")
    }
    /// ` lang="zh-TW"` on an English page, for text the plan has only in Traditional Chinese
    /// (an agenda, a budget line): a screen reader then reads it as Chinese. Empty on a zh-TW
    /// page.
    pub fn zh_only(&self) -> &'static str {
        if self.en() { " lang=\"zh-TW\"" } else { "" }
    }

    /// A name from the plan in the page's language: its English name on an English page
    /// (when the plan has one), else its Traditional Chinese name.
    pub fn named<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.en() && !en.trim().is_empty() { en } else { zh }
    }

    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Admin)
    }

    pub fn is_convener(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Convener)
    }

    pub fn is_reviewer(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Reviewer)
    }

    pub fn is_staff(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Staff)
    }
    /// Who is acting, for the audit log: the signed-in person (403 for nobody).
    pub fn actor(&self) -> Result<linxuan_store::audit::Actor, AppError> {
        let me = self.user.as_ref().ok_or(AppError::Forbidden)?;
        Ok(linxuan_store::audit::Actor::user(me.id, &me.email))
    }
    pub fn signed_in(&self) -> bool {
        self.user.is_some()
    }

    pub fn user_name(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.name.as_str())
    }

    pub fn role_label(&self) -> Cow<'static, str> {
        self.user.as_ref().map_or(Cow::Borrowed(""), |u| self.t(u.role.label_key()))
    }

    /// `here` made safe for a query string.
    pub fn here_encoded(&self) -> String {
        url::form_urlencoded::byte_serialize(self.here.as_bytes()).collect()
    }

    /// Whether the navigation link `prefix` is the current section.
    pub fn at(&self, prefix: &str) -> bool {
        let path = self.here.split('?').next().unwrap_or("");
        if prefix == "/office" { path == "/office" } else { path.starts_with(prefix) }
    }

    /// Leaves a message for the next page.
    pub async fn flash(&self, kind: &str, text: impl Into<String>) {
        flash(&self.session, kind, text).await
    }
}

fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The session cookie's names (`__Host-` behind https).
const SESSION_COOKIES: [&str; 2] = ["linxuan", "__Host-linxuan"];

/// A page anyone may read and nothing on it changes anything (the public showcase): for a
/// visitor without a session, the page is made without one — no session is started, no
/// cookie set, nothing written — so it can be kept and served to everyone alike. A visitor
/// who is signed in gets the usual `Ctx`.
pub struct Public(pub Ctx);

impl FromRequestParts<AppState> for Public {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if SESSION_COOKIES.iter().any(|name| cookie(parts, name).is_some()) {
            return Ok(Public(Ctx::from_request_parts(parts, state).await?));
        }
        let session =
            Session::from_request_parts(parts, state).await.map_err(|(_, e)| AppError::Internal(e.to_string()))?;
        Ok(Public(Ctx {
            lang: lang_of(parts, None),
            csrf: String::new(),
            user: None,
            flashes: Vec::new(),
            here: here_of(parts),
            session,
        }))
    }
}

impl Ctx {
    /// Whether the page as made for this visitor is the same for every anonymous visitor in
    /// this language (no user, no message left for them).
    pub fn anonymous(&self) -> bool {
        self.user.is_none() && self.flashes.is_empty() && self.csrf.is_empty()
    }
}

fn lang_of(parts: &Parts, user: Option<&CurrentUser>) -> Lang {
    cookie(parts, LANG_COOKIE)
        .and_then(Lang::parse)
        .or_else(|| user.and_then(|u| Lang::parse(&u.locale)))
        .or_else(|| {
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|h| h.to_str().ok())
                .and_then(i18n::from_accept_language)
        })
        .unwrap_or(Lang::ZhTw)
}

fn here_of(parts: &Parts) -> String {
    parts
        .extensions
        .get::<OriginalUri>()
        .map(|u| u.0.path_and_query().map_or("/", |p| p.as_str()).to_string())
        .unwrap_or_else(|| parts.uri.path().to_string())
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session =
            Session::from_request_parts(parts, state).await.map_err(|(_, e)| AppError::Internal(e.to_string()))?;
        let user = parts.extensions.get::<AuthSession>().and_then(|a| a.user.clone());
        let lang = lang_of(parts, user.as_ref());
        let csrf = csrf_token(&session).await?;
        let flashes = take_flashes(&session).await;
        keep_alive(&session).await;
        let here = here_of(parts);
        Ok(Ctx { lang, csrf, user, flashes, here, session })
    }
}

/// A path from a `next`/`back` parameter that stays on this site (`/office`, not `//evil`).
///
/// Browsers drop tabs and line breaks from a URL and read `\\` as `/`, so `/\t/evil.example`
/// or `/\\evil.example` would leave the site: whitespace, control characters and backslashes
/// refuse the path. Letters beyond ASCII (a search for 桃園 decoded from the query) are
/// percent-encoded again, as a `Location` header needs.
pub fn local_path(candidate: Option<&str>) -> Option<String> {
    let c = candidate?;
    let safe = c.starts_with('/')
        && !c.starts_with("//")
        && c.chars().all(|ch| {
            !ch.is_whitespace() && !ch.is_control() && ch != '\\' && !linxuan_core::text::is_bidi_control(ch)
        });
    if !safe {
        return None;
    }
    let mut out = String::with_capacity(c.len());
    for b in c.bytes() {
        if b.is_ascii() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{SESSION_RENEW_SECS, local_path, needs_renewal};

    #[test]
    fn a_session_is_renewed_every_ten_minutes_not_every_page() {
        let now = 1_700_000_000;
        assert!(needs_renewal(None, now), "a session never renewed is renewed");
        assert!(!needs_renewal(Some(now), now));
        assert!(!needs_renewal(Some(now - SESSION_RENEW_SECS + 1), now));
        assert!(needs_renewal(Some(now - SESSION_RENEW_SECS), now));
        assert!(needs_renewal(Some(now + 5), now), "a time from the future (a clock set back) renews");
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/office/schools?x=1")), Some("/office/schools?x=1".into()));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "office",
            "",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/\u{1}",
            "/\u{0}x",
            "/a\\b",
            "/\u{202e}x",
            "/\u{3000}/evil.example",
        ] {
            assert_eq!(local_path(Some(bad)), None, "{bad:?}");
        }
        assert_eq!(local_path(Some("/office/plan#awards")), Some("/office/plan#awards".into()));
        assert_eq!(local_path(Some("/office/schools?q=桃")), Some("/office/schools?q=%E6%A1%83".into()));
    }
}
