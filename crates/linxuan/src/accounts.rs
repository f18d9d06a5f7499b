//! Accounts, apart from the web pages that show them: the roles, how long one-time links
//! live, and inviting someone — used by the office's pages, the community portal, the imports
//! and the command line alike.

use chrono::Duration;
use linxuan_core::Lang;
use linxuan_store::audit::{self, Actor, Change};
use linxuan_store::tokens::{self, Purpose};
use linxuan_store::{StoreError, TransactionTrait, users};

use crate::app::Inner;
use crate::mail::{self, Delivery};

/// How long an invitation link works.
pub const INVITE_VALID: Duration = Duration::days(14);
/// How long a password-reset link works.
pub const RESET_LINK_VALID: Duration = Duration::hours(2);

/// The roles of SPEC §1 that sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Convener,
    Reviewer,
    /// The presentation day's desk (現場工作人員): check-in and check-out, nothing else.
    Staff,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Convener, Role::Reviewer, Role::Staff];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Convener => "convener",
            Role::Reviewer => "reviewer",
            Role::Staff => "staff",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Translation key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Admin => "role.admin",
            Role::Convener => "role.convener",
            Role::Reviewer => "role.reviewer",
            Role::Staff => "role.staff",
        }
    }
}

/// The outcome of an invitation: the link, and whether it went out by mail.
pub struct Invited {
    pub user: users::User,
    pub link: String,
    pub delivery: Delivery,
}

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("the e-mail address already has an account")]
    Taken,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Db(#[from] linxuan_store::DbErr),
}

pub fn invite_mail(lang: Lang, name: &str, role: Role, link: &str, days: i64) -> (String, String) {
    let role_zh = crate::i18n::t(Lang::ZhTw, role.label_key());
    let role_en = crate::i18n::t(Lang::En, role.label_key());
    let subject = "遴選平台帳號邀請 / Your Linxuan account".to_string();
    let zh = format!(
        "{name} 您好：\n\n承辦單位邀請您以「{role_zh}」身分使用教師專業學習社群遴選平台。\n\
         請在 {days} 天內開啟以下連結設定密碼（連結只能使用一次）：\n{link}\n"
    );
    let en = format!(
        "Hello {name},\n\nThe programme office invites you to Linxuan as {role_en}.\n\
         Open this link within {days} days to set your password (it works once):\n{link}\n"
    );
    let body = match lang {
        Lang::ZhTw => format!("{zh}\n---\n\n{en}"),
        Lang::En => format!("{en}\n---\n\n{zh}"),
    };
    (subject, body)
}

/// Creates an account without a password and sends (or returns) its invitation link.
/// Used by the office's form and by `linxuan user add`.
pub async fn invite(
    state: &Inner,
    actor: &Actor,
    email: &str,
    name: &str,
    role: &str,
    lang: Lang,
) -> Result<Invited, InviteError> {
    let now = state.now();
    let role_enum = Role::parse(role).unwrap_or(Role::Convener);
    let txn = state.db.begin().await?;
    let user = match users::create(
        &txn,
        users::NewUser { email, name, role: role_enum.as_str(), password_hash: None, locale: lang.code() },
        now,
    )
    .await
    {
        Ok(u) => u,
        Err(StoreError::Conflict(_)) => return Err(InviteError::Taken),
        Err(e) => return Err(e.into()),
    };
    let (secret, _) = tokens::issue(&txn, Purpose::Invite, Some(user.id), INVITE_VALID, now).await?;
    audit::record(&txn, now, actor, Change::new("user.invite", "user", user.id).after(&user_summary(&user))).await?;
    txn.commit().await?;
    let link = state.link(&format!("/invite/{secret}"));
    let (subject, body) = invite_mail(lang, &user.name, role_enum, &link, INVITE_VALID.num_days());
    let delivery = mail::send(state, "invite", &user.email, &subject, &body, &actor.label).await;
    Ok(Invited { user, link, delivery })
}

pub fn user_summary(user: &users::User) -> serde_json::Value {
    serde_json::json!({
        "email": user.email, "name": user.name, "role": user.role, "active": user.active,
        "has_password": user.password_hash.is_some(),
    })
}
