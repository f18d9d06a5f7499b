//! Members: the people of a community, the minimum the plan asks for, and handing the convener
//! role to another member.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linxuan_core::people::{mask_national_id, normalise_national_id};
use linxuan_store::audit;
use linxuan_store::communities::{self, Member, MemberData};
use linxuan_store::schools::{self, School};
use linxuan_store::tokens::{self, Purpose};
use linxuan_store::{TransactionTrait, users};
use serde::Deserialize;

use super::{Portal, portal};
use crate::app::AppState;
use crate::mail::{self, Delivery};
use crate::web::auth::Role;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::forms::FieldErrors;
use linxuan_core::people::looks_like_email;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/community/{id}/members", get(list).post(add))
        .route("/community/{id}/members/{member}", get(edit_page).post(update))
        .route("/community/{id}/members/{member}/delete", post(remove))
        .route("/community/{id}/members/{member}/convener", post(hand_over))
}

#[derive(Deserialize, Default, Clone)]
pub struct MemberForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    school: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    national_id: String,
    /// On edit: remove the stored national ID.
    #[serde(default)]
    clear_national_id: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "community/members.html")]
struct MembersPage {
    ctx: Ctx,
    portal: Portal,
    members: Vec<Member>,
    schools: Vec<School>,
    min_members: i64,
    form: MemberForm,
    errors: FieldErrors,
    /// The member being edited, if any.
    editing: Option<Member>,
}

impl MembersPage {
    fn school_name(&self, id: &Option<i32>) -> String {
        id.and_then(|id| self.schools.iter().find(|s| s.id == id)).map_or_else(String::new, |s| s.name.clone())
    }
    fn school_selected(&self, school: &School) -> bool {
        self.form.school == school.id.to_string()
    }
    fn is_convener(&self, m: &Member) -> bool {
        m.role == communities::CONVENER
    }
    fn enough(&self) -> bool {
        self.members.len() as i64 >= self.min_members
    }
    fn action(&self) -> String {
        match &self.editing {
            Some(m) => format!("{}/members/{}", self.portal.base(), m.id),
            None => format!("{}/members", self.portal.base()),
        }
    }
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    portal: Portal,
    form: MemberForm,
    errors: FieldErrors,
    editing: Option<Member>,
) -> AppResult<MembersPage> {
    let members = communities::members(&state.db, portal.community.id).await?;
    let min_members = portal.plan.tracks.get(&portal.community.track).map_or(0, |t| t.min_members);
    let mut form = form;
    if form.school.is_empty() && editing.is_none() {
        form.school = portal.community.school_id.to_string();
    }
    Ok(MembersPage {
        ctx,
        members,
        schools: schools::list(&state.db, &Default::default()).await?,
        min_members,
        form,
        errors,
        editing,
        portal,
    })
}

async fn list(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i32>) -> AppResult<MembersPage> {
    let portal = portal(&state, &ctx, id).await?;
    page(&state, ctx, portal, MemberForm::default(), FieldErrors::default(), None).await
}

/// Checks a member form; returns the data and the sealed, masked national ID when one is given.
fn check(
    state: &AppState,
    ctx: &Ctx,
    form: &MemberForm,
    need_email: bool,
) -> (MemberData, Option<(String, String)>, FieldErrors) {
    let mut errors = FieldErrors::default();
    let name = form.name.trim().to_string();
    if name.is_empty() {
        errors.add("name", ctx.t("form.required"));
    } else if name.chars().count() > 50 {
        errors.add("name", ctx.t("form.too_long"));
    }
    let email = users::normalise_email(&form.email);
    if (need_email || !email.is_empty()) && !looks_like_email(&email) {
        errors.add("email", ctx.t("form.bad_email"));
    }
    let title = form.title.trim().to_string();
    if title.chars().count() > 50 {
        errors.add("title", ctx.t("form.too_long"));
    }
    let school_id = form.school.trim().parse::<i32>().ok();
    let national = match form.national_id.trim() {
        "" => None,
        text => match normalise_national_id(text) {
            Ok(id) => Some((state.sealer.seal(&id), mask_national_id(&id))),
            Err(e) => {
                errors.add("national_id", ctx.pick(e.message_zh(), &e.to_string()));
                None
            }
        },
    };
    (MemberData { name, school_id, title, email, role: communities::MEMBER.into() }, national, errors)
}

/// What the audit log keeps of a member: never the national ID itself.
fn summary(m: &MemberData, masked: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "name": m.name, "school_id": m.school_id, "title": m.title, "email": m.email, "role": m.role,
        "national_id": masked,
    })
}

async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i32>,
    Form(form): Form<MemberForm>,
) -> AppResult<Response> {
    let portal = portal(&state, &ctx, id).await?;
    portal.writable()?;
    let (data, national, errors) = check(&state, &ctx, &form, false);
    if !errors.is_empty() {
        let page = page(&state, ctx, portal, form, errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let now = state.now();
    let masked = national.as_ref().map(|(_, m)| m.clone());
    let txn = state.db.begin().await?;
    let created = communities::add_member(&txn, id, &data, national, None, now).await?;
    audit::record(
        &txn,
        now,
        &portal.actor,
        portal.change("member.add", "member", created.id).after(&summary(&data, masked.as_deref())),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.tf1("members.added", "name", &data.name)).await;
    Ok(Redirect::to(&format!("{}/members", portal.base())).into_response())
}

async fn member_of(state: &AppState, portal: &Portal, member: i32) -> AppResult<Member> {
    let found = communities::member(&state.db, member).await?.ok_or(AppError::NotFound)?;
    // A member of another community is not found here, whatever its id.
    if found.community_id != portal.community.id {
        return Err(AppError::NotFound);
    }
    Ok(found)
}

async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, member)): Path<(i32, i32)>,
) -> AppResult<MembersPage> {
    let portal = portal(&state, &ctx, id).await?;
    let existing = member_of(&state, &portal, member).await?;
    let form = MemberForm {
        name: existing.name.clone(),
        school: existing.school_id.map(|s| s.to_string()).unwrap_or_default(),
        title: existing.title.clone(),
        email: existing.email.clone(),
        national_id: String::new(),
        clear_national_id: None,
    };
    page(&state, ctx, portal, form, FieldErrors::default(), Some(existing)).await
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, member)): Path<(i32, i32)>,
    Form(form): Form<MemberForm>,
) -> AppResult<Response> {
    let portal = portal(&state, &ctx, id).await?;
    let existing = member_of(&state, &portal, member).await?;
    portal.writable()?;
    let is_convener = existing.role == communities::CONVENER;
    let (mut data, national, errors) = check(&state, &ctx, &form, is_convener);
    if !errors.is_empty() {
        let page = page(&state, ctx, portal, form, errors, Some(existing)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    data.role = existing.role.clone();
    let national_change = match (national, form.clear_national_id.is_some()) {
        (Some(new), _) => Some(Some(new)),
        (None, true) => Some(None),
        (None, false) => None,
    };
    let before = summary(&MemberData::from(&existing), existing.national_id_masked.as_deref());
    let now = state.now();
    let txn = state.db.begin().await?;
    let updated = communities::update_member(&txn, existing, &data, national_change, now).await?;
    let after = summary(&MemberData::from(&updated), updated.national_id_masked.as_deref());
    audit::record(
        &txn,
        now,
        &portal.actor,
        portal.change("member.update", "member", member).before(&before).after(&after),
    )
    .await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.tf1("members.saved", "name", &data.name)).await;
    Ok(Redirect::to(&format!("{}/members", portal.base())).into_response())
}

async fn remove(State(state): State<AppState>, ctx: Ctx, Path((id, member)): Path<(i32, i32)>) -> AppResult<Response> {
    let portal = portal(&state, &ctx, id).await?;
    let existing = member_of(&state, &portal, member).await?;
    portal.writable()?;
    if existing.role == communities::CONVENER {
        return Err(AppError::bad_request(
            "召集人不能移除；請先把召集人交給另一位成員",
            "the convener cannot be removed; hand the role to another member first",
        ));
    }
    let before = summary(&MemberData::from(&existing), existing.national_id_masked.as_deref());
    let now = state.now();
    let txn = state.db.begin().await?;
    communities::remove_member(&txn, member).await?;
    audit::record(&txn, now, &portal.actor, portal.change("member.remove", "member", member).before(&before)).await?;
    txn.commit().await?;
    ctx.flash("ok", ctx.tf1("members.removed", "name", &existing.name)).await;
    Ok(Redirect::to(&format!("{}/members", portal.base())).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "community/handed_over.html")]
struct HandedOverPage {
    ctx: Ctx,
    name: String,
    email: String,
    /// A new account was made and invited.
    invited: bool,
    /// The link, for the office to pass on (empty when mailed, and always for a convener).
    link: String,
    mailed: bool,
    back: String,
}

/// Makes another member the convener. They sign in with their own account (invited now if they
/// have none); the former convener becomes an ordinary member and loses access.
async fn hand_over(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, member)): Path<(i32, i32)>,
) -> AppResult<Response> {
    let portal = portal(&state, &ctx, id).await?;
    let target = member_of(&state, &portal, member).await?;
    portal.writable()?;
    if target.role == communities::CONVENER {
        return Ok(Redirect::to(&format!("{}/members", portal.base())).into_response());
    }
    if !looks_like_email(&target.email) {
        return Err(AppError::bad_request(
            format!("請先為 {} 填寫電子郵件，新召集人要用它登入", target.name),
            format!("give {} an e-mail address first: the new convener signs in with it", target.name),
        ));
    }
    let now = state.now();
    let txn = state.db.begin().await?;
    let (user, invite) = match users::by_email(&txn, &target.email).await? {
        Some(u) if u.role == Role::Convener.as_str() && u.active => (u, None),
        Some(_) => {
            return Err(AppError::bad_request(
                format!("{} 已是其他角色的帳號，請聯絡承辦單位", target.email),
                format!("{} belongs to an account with another role; contact the programme office", target.email),
            ));
        }
        None => {
            let new = users::NewUser {
                email: &target.email,
                name: &target.name,
                role: Role::Convener.as_str(),
                password_hash: None,
                locale: ctx.lang.code(),
            };
            let user = users::create(&txn, new, now).await?;
            let (secret, _) =
                tokens::issue(&txn, Purpose::Invite, Some(user.id), crate::accounts::INVITE_VALID, now).await?;
            audit::record(
                &txn,
                now,
                &portal.actor,
                portal.change("user.invite", "user", user.id).after(&crate::accounts::user_summary(&user)),
            )
            .await?;
            (user, Some(state.link(&format!("/invite/{secret}"))))
        }
    };
    let members = communities::members(&txn, id).await?;
    for m in members.into_iter().filter(|m| m.role == communities::CONVENER) {
        communities::set_member_role(&txn, m, communities::MEMBER, None, now).await?;
    }
    let target_name = target.name.clone();
    communities::set_member_role(&txn, target, communities::CONVENER, Some(user.id), now).await?;
    // The lecturer entry was the former convener's choice, not the new one's.
    linxuan_store::outcomes::unlist_lecturer(&txn, portal.community.id, now).await?;
    audit::record(
        &txn,
        now,
        &portal.actor,
        portal.change("community.hand_over", "community", id).after(&serde_json::json!({ "convener": user.email })),
    )
    .await?;
    txn.commit().await?;
    let mut mailed = false;
    let invited = invite.is_some();
    // Another person's set-password link is never shown to a convener: whoever had it could
    // take the account before its owner arrives. Only the office, acting for the community,
    // sees it to pass on when it cannot be mailed.
    let link = if portal.acting_for { invite.clone().unwrap_or_default() } else { String::new() };
    if let Some(link) = &invite {
        let subject = "遴選平台：您已成為社群召集人 / Linxuan: you are now a community convener";
        let body = format!(
            "{target_name} 您好：\n\n您已成為社群「{}」的召集人。請在 14 天內開啟以下連結設定密碼（只能使用一次）：\n{link}\n\n---\n\n\
             Hello {target_name},\n\nYou are now the convener of \"{}\". Open this link within 14 days to set your password (it works once):\n{link}\n",
            portal.community.name, portal.community.name
        );
        mailed = mail::send(&state, "invite", &user.email, subject, &body, &portal.actor.label).await == Delivery::Sent;
    }
    let back = if portal.acting_for { format!("{}/members", portal.base()) } else { "/".to_string() };
    let link = if mailed { String::new() } else { link };
    Ok(HandedOverPage { ctx, name: target_name, email: user.email, invited, link, mailed, back }.into_response())
}
