//! Signing in and out, the first administrator's set-up, accepting an invitation, resetting a
//! forgotten password, and one's own account.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linxuan_store::audit::{self, Actor, Change};
use linxuan_store::tokens::{self, Purpose};
use linxuan_store::{TransactionTrait, users};
use serde::Deserialize;

use crate::accounts::{RESET_LINK_VALID, user_summary};
use crate::app::AppState;
use crate::mail::{self, Delivery};
use crate::web::auth::{self, AuthSession, Credentials, Role};
use crate::web::client::ClientAddr;
use crate::web::ctx::{Ctx, local_path};
use crate::web::error::{AppError, AppResult};
use crate::web::forms::FieldErrors;
use linxuan_core::people::looks_like_email;

pub fn public_routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/setup/{token}", get(setup_page).post(setup))
        .route("/invite/{token}", get(invite_page).post(accept_invite))
        .route("/password/forgot", get(forgot_page).post(forgot))
        .route("/password/reset/{token}", get(reset_page).post(reset))
}

pub fn signed_in_routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(account_page))
        .route("/account/profile", post(update_profile))
        .route("/account/password", post(change_password))
}

// ---------------------------------------------------------------- sign in

#[derive(Template, WebTemplate)]
#[template(path = "account/login.html")]
struct LoginPage {
    ctx: Ctx,
    email: String,
    next: String,
    error: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

async fn login_page(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    if ctx.signed_in() {
        return Redirect::to(&local_path(q.next.as_deref()).unwrap_or_else(|| "/".into())).into_response();
    }
    LoginPage {
        ctx,
        email: String::new(),
        next: local_path(q.next.as_deref()).unwrap_or_default(),
        error: String::new(),
    }
    .into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    mut auth: AuthSession,
    ctx: Ctx,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let now = state.now();
    let next = local_path(Some(&form.next)).unwrap_or_default();
    let page =
        |ctx: Ctx, error: String| LoginPage { ctx, email: form.email.trim().to_string(), next: next.clone(), error };
    if let Err(wait) = state.login_limiter.check(&form.email, &address, now) {
        let minutes = wait.div_ceil(60).to_string();
        let error = ctx.tf("login.too_many", &[("minutes", &minutes)]);
        let mut response = (StatusCode::TOO_MANY_REQUESTS, page(ctx, error)).into_response();
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, wait.into());
        return Ok(response);
    }
    let creds = Credentials { email: form.email.clone(), password: form.password.clone() };
    let user = auth.authenticate(creds).await.map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(user) = user else {
        state.login_limiter.record_failure(&form.email, &address, now);
        tracing::info!(email = %form.email.trim(), %address, "sign-in refused");
        let error = ctx.t("login.wrong").into_owned();
        return Ok((StatusCode::UNAUTHORIZED, page(ctx, error)).into_response());
    };
    state.login_limiter.record_success(&form.email, &address);
    auth.login(&user).await.map_err(|e| AppError::Internal(e.to_string()))?;
    users::touch_login(&state.db, user.id, now).await?;
    // A new session id on sign-in (axum-login cycles it); the CSRF token goes with the old one.
    let _ = ctx.session.remove::<String>(crate::web::ctx::CSRF_KEY).await;
    let target = if next.is_empty() { "/".to_string() } else { next };
    Ok(Redirect::to(&target).into_response())
}

async fn logout(mut auth: AuthSession, ctx: Ctx) -> AppResult<Response> {
    auth.logout().await.map_err(|e| AppError::Internal(e.to_string()))?;
    ctx.session.flush().await.map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Redirect::to("/login").into_response())
}

// ---------------------------------------------------------------- set a password by link

/// What a set-password page is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LinkKind {
    Setup,
    Invite,
    Reset,
}

#[derive(Template, WebTemplate)]
#[template(path = "account/set_password.html")]
struct SetPasswordPage {
    ctx: Ctx,
    kind: LinkKind,
    token: String,
    /// Shown for invitations and resets: whose account this is.
    email: String,
    name: String,
    errors: FieldErrors,
}

impl SetPasswordPage {
    fn title_key(&self) -> &'static str {
        match self.kind {
            LinkKind::Setup => "setup.title",
            LinkKind::Invite => "invite.title",
            LinkKind::Reset => "reset.title",
        }
    }
    fn action(&self) -> String {
        let base = match self.kind {
            LinkKind::Setup => "/setup/",
            LinkKind::Invite => "/invite/",
            LinkKind::Reset => "/password/reset/",
        };
        format!("{base}{}", self.token)
    }
    fn is_setup(&self) -> bool {
        self.kind == LinkKind::Setup
    }
    fn asks_name(&self) -> bool {
        self.kind != LinkKind::Reset
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "account/message.html")]
struct MessagePage {
    ctx: Ctx,
    title: String,
    text: String,
    link: String,
    link_text: String,
}

fn link_unusable(ctx: Ctx) -> Response {
    let page = MessagePage {
        title: ctx.t("link.unusable_title").into_owned(),
        text: ctx.t("link.unusable_text").into_owned(),
        link: "/password/forgot".into(),
        link_text: ctx.t("forgot.title").into_owned(),
        ctx,
    };
    (StatusCode::GONE, page).into_response()
}

async fn setup_page(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> AppResult<Response> {
    if tokens::find_valid(&state.db, Purpose::Setup, &token, state.now()).await?.is_none() {
        return Ok(link_unusable(ctx));
    }
    Ok(SetPasswordPage {
        ctx,
        kind: LinkKind::Setup,
        token,
        email: String::new(),
        name: String::new(),
        errors: FieldErrors::default(),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    password: String,
    confirm: String,
}

fn check_name(ctx: &Ctx, errors: &mut FieldErrors, name: &str) {
    let chars = name.trim().chars().count();
    if chars == 0 {
        errors.add("name", ctx.t("form.required"));
    } else if chars > 100 {
        errors.add("name", ctx.t("form.too_long"));
    }
}

fn check_new_password(ctx: &Ctx, errors: &mut FieldErrors, password: &str, confirm: &str, email: &str) {
    if let Err((zh, en)) = auth::check_password(password, confirm, email) {
        errors.add("password", ctx.pick(zh, en));
    }
}

async fn setup(
    State(state): State<AppState>,
    mut auth: AuthSession,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(form): Form<SetPasswordForm>,
) -> AppResult<Response> {
    let now = state.now();
    let Some(found) = tokens::find_valid(&state.db, Purpose::Setup, &token, now).await? else {
        return Ok(link_unusable(ctx));
    };
    let mut errors = FieldErrors::default();
    check_name(&ctx, &mut errors, &form.name);
    if !looks_like_email(&form.email) {
        errors.add("email", ctx.t("form.bad_email"));
    } else if users::by_email(&state.db, &form.email).await?.is_some() {
        errors.add("email", ctx.t("users.email_taken"));
    }
    check_new_password(&ctx, &mut errors, &form.password, &form.confirm, &form.email);
    if !errors.is_empty() {
        let page = SetPasswordPage { ctx, kind: LinkKind::Setup, token, email: form.email, name: form.name, errors };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let hash = auth::hash_password(form.password.clone()).await?;
    let txn = state.db.begin().await?;
    if !tokens::consume(&txn, found.id, now).await? {
        return Ok(link_unusable(ctx));
    }
    let user = users::create(
        &txn,
        users::NewUser {
            email: &form.email,
            name: &form.name,
            role: Role::Admin.as_str(),
            password_hash: Some(hash),
            locale: ctx.lang.code(),
        },
        now,
    )
    .await?;
    let actor = Actor::user(user.id, &user.email);
    audit::record(&txn, now, &actor, Change::new("user.setup", "user", user.id).after(&user_summary(&user))).await?;
    txn.commit().await?;
    sign_in_as(&state, &mut auth, user.id).await?;
    ctx.flash("ok", ctx.t("setup.done")).await;
    Ok(Redirect::to("/office").into_response())
}

/// What the audit log keeps of an account (never the password hash).
async fn sign_in_as(state: &AppState, auth: &mut AuthSession, id: i32) -> AppResult<()> {
    use axum_login::AuthnBackend;
    let user =
        auth.backend.get_user(&id).await.map_err(|e| AppError::Internal(e.to_string()))?.ok_or(AppError::Forbidden)?;
    auth.login(&user).await.map_err(|e| AppError::Internal(e.to_string()))?;
    users::touch_login(&state.db, id, state.now()).await?;
    Ok(())
}

async fn link_user(state: &AppState, purpose: Purpose, token: &str) -> AppResult<Option<(tokens::Token, users::User)>> {
    let Some(found) = tokens::find_valid(&state.db, purpose, token, state.now()).await? else {
        return Ok(None);
    };
    let Some(user_id) = found.user_id else {
        return Ok(None);
    };
    match users::get(&state.db, user_id).await? {
        Some(user) if user.active => Ok(Some((found, user))),
        _ => Ok(None),
    }
}

async fn invite_page(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> AppResult<Response> {
    let Some((_, user)) = link_user(&state, Purpose::Invite, &token).await? else {
        return Ok(link_unusable(ctx));
    };
    Ok(SetPasswordPage {
        ctx,
        kind: LinkKind::Invite,
        token,
        email: user.email,
        name: user.name,
        errors: FieldErrors::default(),
    }
    .into_response())
}

async fn accept_invite(
    State(state): State<AppState>,
    mut auth: AuthSession,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(form): Form<SetPasswordForm>,
) -> AppResult<Response> {
    let now = state.now();
    let Some((found, user)) = link_user(&state, Purpose::Invite, &token).await? else {
        return Ok(link_unusable(ctx));
    };
    let mut errors = FieldErrors::default();
    check_name(&ctx, &mut errors, &form.name);
    check_new_password(&ctx, &mut errors, &form.password, &form.confirm, &user.email);
    if !errors.is_empty() {
        let page = SetPasswordPage { ctx, kind: LinkKind::Invite, token, email: user.email, name: form.name, errors };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let hash = auth::hash_password(form.password.clone()).await?;
    let txn = state.db.begin().await?;
    if !tokens::consume(&txn, found.id, now).await? {
        return Ok(link_unusable(ctx));
    }
    let before = user_summary(&user);
    users::set_name(&txn, user.id, &form.name).await?;
    let updated = users::set_password_by_link(&txn, user.id, hash, now).await?;
    let actor = Actor::user(user.id, &user.email);
    audit::record(
        &txn,
        now,
        &actor,
        Change::new("user.accept_invite", "user", user.id).before(&before).after(&user_summary(&updated)),
    )
    .await?;
    txn.commit().await?;
    sign_in_as(&state, &mut auth, user.id).await?;
    ctx.flash("ok", ctx.t("invite.done")).await;
    Ok(Redirect::to("/").into_response())
}

// ---------------------------------------------------------------- forgotten password

#[derive(Template, WebTemplate)]
#[template(path = "account/forgot.html")]
struct ForgotPage {
    ctx: Ctx,
    email: String,
    error: String,
    /// Whether mail can be sent: without it, the page says to ask the office, who can make a
    /// reset link, and never claims that mail was sent.
    mail: bool,
}

async fn forgot_page(State(state): State<AppState>, ctx: Ctx) -> ForgotPage {
    ForgotPage { ctx, email: String::new(), error: String::new(), mail: state.mailer.configured() }
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

async fn forgot(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    ctx: Ctx,
    Form(form): Form<ForgotForm>,
) -> AppResult<Response> {
    let now = state.now();
    let mail = state.mailer.configured();
    if !mail {
        // Nothing can be mailed: no link is made, and the page says whom to ask.
        return Ok(ForgotPage { ctx, email: form.email, error: String::new(), mail }.into_response());
    }
    if !looks_like_email(&form.email) {
        let error = ctx.t("form.bad_email").into_owned();
        return Ok(
            (StatusCode::UNPROCESSABLE_ENTITY, ForgotPage { ctx, email: form.email, error, mail }).into_response()
        );
    }
    // Reset requests have limits of their own (no mail-bombing), apart from sign-ins.
    if let Err(wait) = state.login_limiter.check_reset(&form.email, &address, now) {
        let minutes = wait.div_ceil(60).to_string();
        let error = ctx.tf("login.too_many", &[("minutes", &minutes)]);
        return Ok((StatusCode::TOO_MANY_REQUESTS, ForgotPage { ctx, email: form.email, error, mail }).into_response());
    }
    state.login_limiter.record_reset(&form.email, &address, now);
    // Answer first, send after: how long the mail takes must not tell whether the address
    // has an account.
    let task = state.clone();
    let email = form.email.clone();
    state.background.spawn(async move {
        if let Err(e) = send_reset_link(&task, &email, now).await {
            tracing::error!(error = %e, "cannot make a password reset link");
        }
    });
    // The same answer whether or not the address has an account.
    let page = MessagePage {
        title: ctx.t("forgot.sent_title").into_owned(),
        text: ctx.t("forgot.sent_text").into_owned(),
        link: "/login".into(),
        link_text: ctx.t("nav.login").into_owned(),
        ctx,
    };
    Ok(page.into_response())
}

/// Makes and mails a reset link when `email` has an active account; nothing otherwise.
async fn send_reset_link(state: &AppState, email: &str, now: chrono::DateTime<chrono::Utc>) -> AppResult<()> {
    let Some(user) = users::by_email(&state.db, email).await?.filter(|u| u.active) else {
        return Ok(());
    };
    tokens::revoke(&state.db, Purpose::Reset, Some(user.id), now).await?;
    let (secret, _) = tokens::issue(&state.db, Purpose::Reset, Some(user.id), RESET_LINK_VALID, now).await?;
    let link = state.link(&format!("/password/reset/{secret}"));
    let (subject, body) = reset_mail(&user.name, &link);
    match mail::send(state, "password-reset", &user.email, &subject, &body, "self").await {
        Delivery::Sent => {}
        // Nobody else can pass the link on: the operator finds it in the server log.
        _ => tracing::warn!(email = %user.email, %link, "password reset link not mailed; pass it on"),
    }
    Ok(())
}

fn reset_mail(name: &str, link: &str) -> (String, String) {
    let subject = "遴選平台：重設密碼 / Linxuan: reset your password".to_string();
    let body = format!(
        "{name} 您好：\n\n請在兩小時內開啟以下連結設定新密碼（連結只能使用一次）：\n{link}\n\n\
         若您沒有提出這項要求，請忽略這封信，您的密碼不會改變。\n\n\
         ---\n\nHello {name},\n\nOpen this link within two hours to set a new password (it works once):\n{link}\n\n\
         If you did not ask for this, ignore this message; your password stays as it is.\n"
    );
    (subject, body)
}

async fn reset_page(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> AppResult<Response> {
    let Some((_, user)) = link_user(&state, Purpose::Reset, &token).await? else {
        return Ok(link_unusable(ctx));
    };
    Ok(SetPasswordPage {
        ctx,
        kind: LinkKind::Reset,
        token,
        email: user.email,
        name: user.name,
        errors: FieldErrors::default(),
    }
    .into_response())
}

async fn reset(
    State(state): State<AppState>,
    mut auth: AuthSession,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(form): Form<SetPasswordForm>,
) -> AppResult<Response> {
    let now = state.now();
    let Some((found, user)) = link_user(&state, Purpose::Reset, &token).await? else {
        return Ok(link_unusable(ctx));
    };
    let mut errors = FieldErrors::default();
    check_new_password(&ctx, &mut errors, &form.password, &form.confirm, &user.email);
    if !errors.is_empty() {
        let page = SetPasswordPage { ctx, kind: LinkKind::Reset, token, email: user.email, name: user.name, errors };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let hash = auth::hash_password(form.password.clone()).await?;
    let txn = state.db.begin().await?;
    if !tokens::consume(&txn, found.id, now).await? {
        return Ok(link_unusable(ctx));
    }
    users::set_password_by_link(&txn, user.id, hash, now).await?;
    audit::record(&txn, now, &Actor::user(user.id, &user.email), Change::new("user.reset_password", "user", user.id))
        .await?;
    txn.commit().await?;
    sign_in_as(&state, &mut auth, user.id).await?;
    ctx.flash("ok", ctx.t("reset.done")).await;
    Ok(Redirect::to("/").into_response())
}

// ---------------------------------------------------------------- own account

#[derive(Template, WebTemplate)]
#[template(path = "account/account.html")]
struct AccountPage {
    ctx: Ctx,
    user: users::User,
    errors: FieldErrors,
}

async fn account_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<AccountPage> {
    let id = ctx.user.as_ref().ok_or(AppError::Forbidden)?.id;
    let user = users::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok(AccountPage { ctx, user, errors: FieldErrors::default() })
}

#[derive(Deserialize)]
pub struct ProfileForm {
    name: String,
    locale: String,
}

async fn update_profile(State(state): State<AppState>, ctx: Ctx, Form(form): Form<ProfileForm>) -> AppResult<Response> {
    let me = ctx.user.clone().ok_or(AppError::Forbidden)?;
    let mut errors = FieldErrors::default();
    check_name(&ctx, &mut errors, &form.name);
    let Some(lang) = crate::i18n::Lang::parse(&form.locale) else {
        return Err(AppError::bad_request("語言只能是 zh-TW 或 en", "language must be zh-TW or en"));
    };
    let user = users::get(&state.db, me.id).await?.ok_or(AppError::NotFound)?;
    if !errors.is_empty() {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, AccountPage { ctx, user, errors }).into_response());
    }
    let now = state.now();
    let txn = state.db.begin().await?;
    let before = user_summary(&user);
    users::set_name(&txn, me.id, &form.name).await?;
    let after = users::set_locale(&txn, me.id, lang.code()).await?;
    audit::record(
        &txn,
        now,
        &Actor::user(me.id, &me.email),
        Change::new("user.update_profile", "user", me.id).before(&before).after(&user_summary(&after)),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", crate::i18n::t(lang, "account.saved")).await;
    // The saved language wins over an earlier switch for this browser.
    let cookie = format!("{}={}; Path=/; Max-Age=31536000; SameSite=Lax", crate::web::ctx::LANG_COOKIE, lang.code());
    Ok(([(axum::http::header::SET_COOKIE, cookie)], Redirect::to("/account")).into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    password: String,
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    mut auth: AuthSession,
    ClientAddr(address): ClientAddr,
    ctx: Ctx,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let me = ctx.user.clone().ok_or(AppError::Forbidden)?;
    let now = state.now();
    let user = users::get(&state.db, me.id).await?.ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    if let Err(wait) = state.login_limiter.check(&me.email, &address, now) {
        return Err(AppError::TooManyRequests { retry_after_secs: wait });
    }
    let hash = user.password_hash.clone().unwrap_or_default();
    let current = form.current.clone();
    let current_ok = auth::hashing(move || password_auth::verify_password(current, &hash).is_ok())
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if !current_ok {
        state.login_limiter.record_failure(&me.email, &address, now);
        errors.add("current", ctx.t("account.current_wrong"));
    }
    check_new_password(&ctx, &mut errors, &form.password, &form.confirm, &me.email);
    if !errors.is_empty() {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, AccountPage { ctx, user, errors }).into_response());
    }
    let hash = auth::hash_password(form.password.clone()).await?;
    let txn = state.db.begin().await?;
    users::set_password_hash(&txn, me.id, hash).await?;
    audit::record(&txn, now, &Actor::user(me.id, &me.email), Change::new("user.change_password", "user", me.id))
        .await?;
    txn.commit().await?;
    // Other sessions end (their password hash no longer matches); this one continues.
    sign_in_as(&state, &mut auth, me.id).await?;
    ctx.flash("ok", ctx.t("account.password_changed")).await;
    Ok(Redirect::to("/account").into_response())
}
