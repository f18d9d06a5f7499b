//! Who is signed in, with what role, and the guards that keep every route to its role.
//!
//! axum-login keeps the signed-in user in the server-side session; the session is bound to the
//! user's password hash, so changing a password signs the account out everywhere else, and a
//! deactivated account is signed out on its next request.

use axum::extract::{OriginalUri, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum_login::{AuthUser, AuthnBackend, UserId};
use linxuan_store::{Db, users};

pub use crate::accounts::Role;
use crate::web::error::AppError;

#[derive(Clone)]
pub struct CurrentUser {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub locale: String,
    session_hash: Vec<u8>,
}

impl std::fmt::Debug for CurrentUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the password hash.
        f.debug_struct("CurrentUser")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("role", &self.role)
            .finish()
    }
}

impl CurrentUser {
    fn from_row(user: users::User) -> Option<CurrentUser> {
        let role = Role::parse(&user.role)?;
        let hash = user.password_hash?;
        if !user.active {
            return None;
        }
        Some(CurrentUser {
            id: user.id,
            email: user.email,
            name: user.name,
            role,
            locale: user.locale,
            session_hash: hash.into_bytes(),
        })
    }
}

impl AuthUser for CurrentUser {
    type Id = i32;
    fn id(&self) -> i32 {
        self.id
    }
    fn session_auth_hash(&self) -> &[u8] {
        &self.session_hash
    }
}

#[derive(Clone)]
pub struct Backend {
    db: Db,
}

impl Backend {
    pub fn new(db: Db) -> Self {
        Backend { db }
    }
}

#[derive(Clone)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Store(#[from] linxuan_store::StoreError),
    #[error("password check: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// A valid hash of a random password, verified against when the account does not exist, so a
/// wrong address costs the same time as a wrong password.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| password_auth::generate_hash("linxuan-no-such-account"));

impl AuthnBackend for Backend {
    type User = CurrentUser;
    type Credentials = Credentials;
    type Error = AuthError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<CurrentUser>, AuthError> {
        let found = users::by_email(&self.db, &creds.email).await?;
        let hash = found.as_ref().and_then(|u| u.password_hash.clone());
        let password = creds.password;
        let verified = hashing(move || {
            let hash = hash.as_deref().unwrap_or(DUMMY_HASH.as_str());
            password_auth::verify_password(password, hash).is_ok()
        })
        .await?;
        Ok(match found {
            Some(user) if verified => CurrentUser::from_row(user),
            _ => None,
        })
    }

    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<CurrentUser>, AuthError> {
        Ok(users::get(&self.db, *id).await?.and_then(CurrentUser::from_row))
    }
}

pub type AuthSession = axum_login::AuthSession<Backend>;

/// Runs argon2id work (hashing or verifying a password) off the async threads, at most one
/// computation per core at a time. Each one takes 19 MiB and a core for about 25 ms: fifty
/// people signing in at once then queue for a moment instead of taking a gigabyte and
/// starving every other request.
pub async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    static PERMITS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
    let _permit = PERMITS.acquire().await.expect("the semaphore is never closed");
    tokio::task::spawn_blocking(work).await
}

/// Hashes a password with argon2id off the async threads.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    hashing(move || password_auth::generate_hash(password)).await.map_err(|e| AppError::Internal(e.to_string()))
}

pub const MIN_PASSWORD_CHARS: usize = 8;

/// The password rules, as (zh-TW, English) when broken.
pub fn check_password(password: &str, confirm: &str, email: &str) -> Result<(), (&'static str, &'static str)> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(("密碼至少需要 8 個字元", "The password needs at least 8 characters"));
    }
    if chars > 256 {
        return Err(("密碼不可超過 256 個字元", "The password may have at most 256 characters"));
    }
    if password != confirm {
        return Err(("兩次輸入的密碼不一致", "The two passwords differ"));
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err(("密碼不可與電子郵件相同", "The password must not be your e-mail address"));
    }
    Ok(())
}

/// Guards a group of routes: signed in, with one of `roles`; otherwise to the sign-in page
/// (not signed in) or 403 (wrong role). Mounted on every router that is not public.
pub async fn require_roles(roles: &'static [Role], auth: AuthSession, request: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    match &auth.user {
        None => {
            let next_path = request
                .extensions()
                .get::<OriginalUri>()
                .map(|u| u.0.path_and_query().map_or("/", |p| p.as_str()).to_string())
                .unwrap_or_else(|| "/".into());
            AppError::SignIn { next: next_path }.into_response()
        }
        Some(user) if roles.contains(&user.role) => next.run(request).await,
        Some(_) => AppError::Forbidden.into_response(),
    }
}

/// The office's pages.
pub async fn require_admin(auth: AuthSession, request: Request, next: Next) -> Response {
    require_roles(&[Role::Admin], auth, request, next).await
}

/// The community portal: conveners, and the office acting for a community (each page checks
/// that the community is theirs).
pub async fn require_community(auth: AuthSession, request: Request, next: Next) -> Response {
    require_roles(&[Role::Admin, Role::Convener], auth, request, next).await
}

/// The presentation day's desk: its staff, and the office.
pub async fn require_desk(auth: AuthSession, request: Request, next: Next) -> Response {
    require_roles(&[Role::Admin, Role::Staff], auth, request, next).await
}

/// The reviewer's pages.
pub async fn require_reviewer(auth: AuthSession, request: Request, next: Next) -> Response {
    require_roles(&[Role::Reviewer], auth, request, next).await
}

/// The `{id}` of the route, when it has one.
async fn path_id(parts: &mut axum::http::request::Parts, state: &crate::app::AppState) -> Option<String> {
    use axum::extract::FromRequestParts;
    let params = axum::extract::RawPathParams::from_request_parts(parts, state).await.ok()?;
    params.iter().find(|(name, _)| *name == "id").map(|(_, value)| value.to_string())
}

/// Deny by default, for the community portal: a route naming a community (`/community/{id}/…`)
/// is only for that community's convener or the office — checked here, before the handler
/// reads anything the request sends. Handlers check again (`community::portal`) and check that
/// what they touch belongs to the community.
pub async fn guard_community(
    axum::extract::State(state): axum::extract::State<crate::app::AppState>,
    auth: AuthSession,
    request: Request,
    next: Next,
) -> Response {
    use axum::response::IntoResponse;
    let (mut parts, body) = request.into_parts();
    if let Some(id) = path_id(&mut parts, &state).await {
        let Ok(id) = id.parse::<i32>() else { return AppError::NotFound.into_response() };
        let Some(user) = &auth.user else { return AppError::Forbidden.into_response() };
        let allowed = match linxuan_store::communities::get(&state.db, id).await {
            Ok(None) => return AppError::NotFound.into_response(),
            Ok(Some(_)) if user.role == Role::Admin => true,
            Ok(Some(_)) if user.role == Role::Convener => {
                match linxuan_store::communities::is_convener(&state.db, id, user.id).await {
                    Ok(yes) => yes,
                    Err(e) => return AppError::from(e).into_response(),
                }
            }
            Ok(Some(_)) => false,
            Err(e) => return AppError::from(e).into_response(),
        };
        if !allowed {
            return AppError::Forbidden.into_response();
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Deny by default, for the reviewer's pages: a route naming an assignment (`/review/a/{id}/…`)
/// is only for the reviewer it was made for, checked before the handler reads the request.
pub async fn guard_assignment(
    axum::extract::State(state): axum::extract::State<crate::app::AppState>,
    auth: AuthSession,
    request: Request,
    next: Next,
) -> Response {
    use axum::response::IntoResponse;
    let (mut parts, body) = request.into_parts();
    if let Some(id) = path_id(&mut parts, &state).await {
        let Ok(id) = id.parse::<i32>() else { return AppError::NotFound.into_response() };
        let Some(user) = &auth.user else { return AppError::Forbidden.into_response() };
        match linxuan_store::review::assignment(&state.db, id).await {
            Ok(Some(a)) if a.reviewer_id == user.id => {}
            Ok(Some(_)) => return AppError::Forbidden.into_response(),
            Ok(None) => return AppError::NotFound.into_response(),
            Err(e) => return AppError::from(e).into_response(),
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Pages for anyone signed in (their own account).
pub async fn require_signed_in(auth: AuthSession, request: Request, next: Next) -> Response {
    require_roles(&Role::ALL, auth, request, next).await
}
