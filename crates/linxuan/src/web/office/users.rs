//! Accounts: the office invites conveners, reviewers and colleagues by e-mail link, resends
//! links, deactivates and changes roles. When no SMTP server is configured, the link is shown to
//! the administrator to pass on.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linxuan_core::Lang;
use linxuan_store::audit::{self, Change};
use linxuan_store::tokens::{self, Purpose};
use linxuan_store::{TransactionTrait, users};
use serde::Deserialize;

use crate::accounts::{INVITE_VALID, InviteError, RESET_LINK_VALID, invite, invite_mail, user_summary};
use crate::app::AppState;
use crate::mail::{self, Delivery};
use crate::web::auth::Role;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::forms::FieldErrors;
use linxuan_core::people::looks_like_email;

/// How long an invitation link stays valid.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(invite_form))
        .route("/users/{id}/resend", post(resend))
        .route("/users/{id}/reset-link", post(reset_link))
        .route("/users/{id}/active", post(set_active))
        .route("/users/{id}/role", post(set_role))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    role: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "office/users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<users::User>,
    role: String,
    roles: [Role; 4],
    form_email: String,
    form_name: String,
    form_role: String,
    errors: FieldErrors,
    mail_configured: bool,
}

impl UsersPage {
    fn status(&self, user: &users::User) -> (&'static str, String) {
        if !user.active {
            ("bad", self.ctx.t("users.inactive").into_owned())
        } else if user.password_hash.is_none() {
            ("warn", self.ctx.t("users.invited").into_owned())
        } else {
            ("ok", self.ctx.t("users.active").into_owned())
        }
    }
    fn last_login(&self, user: &users::User) -> String {
        user.last_login_at.map(crate::web::format::local_time).unwrap_or_else(|| "—".into())
    }
    fn is_me(&self, user: &users::User) -> bool {
        self.ctx.user.as_ref().is_some_and(|me| me.id == user.id)
    }
}

async fn list(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<UsersPage> {
    let role = q.role.unwrap_or_default();
    Ok(UsersPage {
        users: users::list(&state.db, Some(&role)).await?,
        role,
        roles: Role::ALL,
        form_email: String::new(),
        form_name: String::new(),
        form_role: "convener".into(),
        errors: FieldErrors::default(),
        mail_configured: state.mailer.configured(),
        ctx,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "office/link_sent.html")]
struct LinkPage {
    ctx: Ctx,
    title: String,
    email: String,
    link: String,
    /// `sent`, `not-configured` or `failed`
    delivery: &'static str,
    error: String,
}

fn link_page(ctx: Ctx, title: String, email: String, link: String, delivery: Delivery) -> LinkPage {
    let (delivery, error) = match delivery {
        Delivery::Sent => ("sent", String::new()),
        Delivery::NotConfigured => ("not-configured", String::new()),
        Delivery::Failed(e) => ("failed", e),
    };
    LinkPage { ctx, title, email, link, delivery, error }
}

#[derive(Deserialize)]
pub struct InviteForm {
    email: String,
    name: String,
    role: String,
}

async fn invite_form(State(state): State<AppState>, ctx: Ctx, Form(form): Form<InviteForm>) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    if !looks_like_email(&form.email) {
        errors.add("email", ctx.t("form.bad_email"));
    }
    if form.name.trim().is_empty() {
        errors.add("name", ctx.t("form.required"));
    } else if form.name.trim().chars().count() > 100 {
        errors.add("name", ctx.t("form.too_long"));
    }
    if Role::parse(&form.role).is_none() {
        errors.add("role", ctx.t("users.bad_role"));
    }
    if errors.is_empty() {
        let actor = ctx.actor()?;
        match invite(&state, &actor, &form.email, &form.name, &form.role, ctx.lang).await {
            Ok(invited) => {
                let title = ctx.tf1("users.invited_title", "name", &invited.user.name);
                return Ok(link_page(ctx, title, invited.user.email, invited.link, invited.delivery).into_response());
            }
            Err(InviteError::Taken) => errors.add("email", ctx.t("users.email_taken")),
            Err(e) => return Err(AppError::Internal(e.to_string())),
        }
    }
    let page = UsersPage {
        users: users::list(&state.db, None).await?,
        role: String::new(),
        roles: Role::ALL,
        form_email: form.email,
        form_name: form.name,
        form_role: form.role,
        errors,
        mail_configured: state.mailer.configured(),
        ctx,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn resend(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let user = users::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if user.password_hash.is_some() || !user.active {
        return Err(AppError::bad_request(
            "這個帳號已設定密碼或已停用",
            "this account already has a password or is inactive",
        ));
    }
    let now = state.now();
    let actor = ctx.actor()?;
    let txn = state.db.begin().await?;
    tokens::revoke(&txn, Purpose::Invite, Some(id), now).await?;
    let (secret, _) = tokens::issue(&txn, Purpose::Invite, Some(id), INVITE_VALID, now).await?;
    audit::record(&txn, now, &actor, Change::new("user.resend_invite", "user", id)).await?;
    txn.commit().await?;
    let link = state.link(&format!("/invite/{secret}"));
    let role = Role::parse(&user.role).unwrap_or(Role::Convener);
    let lang = Lang::parse(&user.locale).unwrap_or_default();
    let (subject, body) = invite_mail(lang, &user.name, role, &link, INVITE_VALID.num_days());
    let delivery = mail::send(&state, "invite", &user.email, &subject, &body, &actor.label).await;
    let title = ctx.tf1("users.invited_title", "name", &user.name);
    Ok(link_page(ctx, title, user.email, link, delivery).into_response())
}

async fn reset_link(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let user = users::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if !user.active {
        return Err(AppError::bad_request("這個帳號已停用", "this account is inactive"));
    }
    let now = state.now();
    let actor = ctx.actor()?;
    let txn = state.db.begin().await?;
    tokens::revoke(&txn, Purpose::Reset, Some(id), now).await?;
    let (secret, _) = tokens::issue(&txn, Purpose::Reset, Some(id), RESET_LINK_VALID, now).await?;
    audit::record(&txn, now, &actor, Change::new("user.reset_link", "user", id)).await?;
    txn.commit().await?;
    let link = state.link(&format!("/password/reset/{secret}"));
    let subject = "遴選平台：重設密碼 / Linxuan: reset your password";
    let body = format!(
        "{name} 您好：\n\n承辦單位為您產生了重設密碼的連結，請在兩小時內開啟（只能使用一次）：\n{link}\n\n---\n\n\
         Hello {name},\n\nThe programme office made you a link to set a new password; open it within two hours (it works once):\n{link}\n",
        name = user.name
    );
    let delivery = mail::send(&state, "password-reset", &user.email, subject, &body, &actor.label).await;
    let title = ctx.tf1("users.reset_title", "name", &user.name);
    Ok(link_page(ctx, title, user.email, link, delivery).into_response())
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: bool,
}

/// Refuses a change that would leave nobody able to administer the platform.
async fn keep_an_admin(state: &AppState, user: &users::User, still_admin: bool) -> AppResult<()> {
    if user.role == "admin" && user.active && !still_admin && users::count_usable_admins(&state.db).await? <= 1 {
        return Err(AppError::bad_request(
            "不能停用或變更最後一位管理者",
            "the last administrator cannot be deactivated or given another role",
        ));
    }
    Ok(())
}

async fn set_active(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(form): Form<ActiveForm>,
) -> AppResult<Response> {
    let user = users::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if ctx.user.as_ref().is_some_and(|me| me.id == id) && !form.active {
        return Err(AppError::bad_request("不能停用自己的帳號", "you cannot deactivate your own account"));
    }
    keep_an_admin(&state, &user, form.active).await?;
    let now = state.now();
    let txn = state.db.begin().await?;
    let before = user_summary(&user);
    let after = users::set_active(&txn, id, form.active).await?;
    let action = if form.active { "user.activate" } else { "user.deactivate" };
    audit::record(
        &txn,
        now,
        &ctx.actor()?,
        Change::new(action, "user", id).before(&before).after(&user_summary(&after)),
    )
    .await?;
    txn.commit().await?;
    let key = if form.active { "users.activated" } else { "users.deactivated" };
    ctx.flash("ok", ctx.tf1(key, "email", &user.email)).await;
    Ok(Redirect::to("/office/users").into_response())
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

async fn set_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(form): Form<RoleForm>,
) -> AppResult<Response> {
    let role = Role::parse(&form.role).ok_or_else(|| {
        AppError::bad_request("角色只能是管理者、召集人或審查委員", "role must be admin, convener or reviewer")
    })?;
    let user = users::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if user.role == role.as_str() {
        return Ok(Redirect::to("/office/users").into_response());
    }
    keep_an_admin(&state, &user, role == Role::Admin).await?;
    let now = state.now();
    let txn = state.db.begin().await?;
    let before = user_summary(&user);
    let after = users::set_role(&txn, id, role.as_str()).await?;
    audit::record(
        &txn,
        now,
        &ctx.actor()?,
        Change::new("user.set_role", "user", id).before(&before).after(&user_summary(&after)),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.tf1("users.role_changed", "email", &user.email)).await;
    Ok(Redirect::to("/office/users").into_response())
}
