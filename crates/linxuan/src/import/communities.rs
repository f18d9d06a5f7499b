//! Importing the year's communities: code, school code, track, group, name, convener name and
//! e-mail. Each row is checked against the plan (the group must be of the track and admit the
//! school's level) before anything is written; conveners without an account are invited.

use bytes::Bytes;
use linxuan_core::Lang;
use linxuan_core::plan::Plan;
use linxuan_docs::table::{Limits, read_table_within};
use linxuan_store::audit::{self, Actor, Change};
use linxuan_store::communities::{self, CommunityData, MemberData};
use linxuan_store::tokens::{self, Purpose};
use linxuan_store::{Db, StoreError, TransactionTrait, schools, users};

use super::{RowProblem, locate_columns};
use crate::app::Inner;
use linxuan_core::people::looks_like_email;

pub const COLUMNS: &[(&str, &[&str])] = &[
    ("code", &["社群代碼", "代碼", "編號"]),
    ("school", &["school code", "學校代碼", "校碼"]),
    ("track", &["類別", "初階/進階"]),
    ("group", &["組別"]),
    ("name", &["社群名稱", "名稱"]),
    ("convener", &["convener name", "召集人", "召集人姓名"]),
    ("email", &["convener email", "召集人email", "召集人電子郵件", "電子郵件"]),
];

/// A checked row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: usize,
    pub data: CommunityData,
    pub convener: String,
    pub email: String,
}

/// Reads a track as the office writes it: the plan's id, or its name or short name.
fn track_id(plan: &Plan, text: &str) -> Option<String> {
    let t = text.trim();
    plan.tracks
        .iter()
        .find(|(id, track)| {
            id.eq_ignore_ascii_case(t) || track.name == t || track.short == t || track.name_en.eq_ignore_ascii_case(t)
        })
        .map(|(id, _)| id.clone())
}

/// Reads a group within a track: its id, or its name (國小組) within that track.
fn group_id(plan: &Plan, track: Option<&str>, text: &str) -> Option<String> {
    let t = text.trim();
    plan.groups
        .iter()
        .filter(|(_, g)| track.is_none_or(|tr| g.track == tr))
        .find(|(id, g)| id.eq_ignore_ascii_case(t) || g.name == t || g.name_en.eq_ignore_ascii_case(t))
        .map(|(id, _)| id.clone())
}

/// The fields of one community as a file row or the office's form gives them.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Fields {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub school: String,
    #[serde(default)]
    pub track: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub convener: String,
    #[serde(default)]
    pub email: String,
}

/// Checks one community against the plan and the schools; `earlier` are rows already read
/// (for repeated codes).
pub fn check_row(
    plan: &Plan,
    all_schools: &[schools::School],
    line: usize,
    fields: &Fields,
    earlier: &[Row],
) -> Result<Row, Vec<RowProblem>> {
    let code = fields.code.trim().to_string();
    let (school_code, track_text, group_text) = (fields.school.trim(), fields.track.trim(), fields.group.trim());
    let name = fields.name.trim().to_string();
    let convener = fields.convener.trim().to_string();
    let email = users::normalise_email(&fields.email);
    let mut problems = Vec::new();
    if code.is_empty()
        || code.chars().count() > 20
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        problems.push(RowProblem::new(
            line,
            "社群代碼須為 1–20 個英數字或 -",
            "the community code must be 1–20 letters, digits or -",
        ));
    } else if let Some(first) = earlier.iter().find(|r| r.data.code == code) {
        problems.push(RowProblem::new(
            line,
            format!("社群代碼 {code} 與第 {} 列重複", first.line),
            format!("community code {code} repeats line {}", first.line),
        ));
    }
    let school = all_schools.iter().find(|s| s.code == school_code);
    if school.is_none() {
        problems.push(RowProblem::new(
            line,
            format!("找不到學校代碼「{school_code}」；請先匯入學校名單"),
            format!("no school with code \"{school_code}\"; import the school list first"),
        ));
    }
    // The track may be left out when the group says it (the form gives only the group).
    let track = if track_text.is_empty() {
        group_id(plan, None, group_text).and_then(|g| plan.groups.get(&g).map(|g| g.track.clone()))
    } else {
        track_id(plan, track_text)
    };
    if track.is_none() && !track_text.is_empty() {
        let known = plan.tracks.keys().cloned().collect::<Vec<_>>().join("、");
        problems.push(RowProblem::new(
            line,
            format!("類別「{track_text}」不是本年度的類別（{known}）"),
            format!("track \"{track_text}\" is not a track of this year ({known})"),
        ));
    }
    let group = group_id(plan, track.as_deref(), group_text);
    if group.is_none() && (track.is_some() || track_text.is_empty()) {
        problems.push(RowProblem::new(
            line,
            format!("組別「{group_text}」不屬於類別「{track_text}」"),
            format!("group \"{group_text}\" is not a group of track \"{track_text}\""),
        ));
    }
    if let (Some(school), Some(group)) = (school, &group)
        && let Err((zh, en)) = linxuan_core::plan::check_group(plan, group, &school.name, &school.level)
    {
        problems.push(RowProblem::new(line, zh, en));
    }
    if name.is_empty() || name.chars().count() > 100 {
        problems.push(RowProblem::new(
            line,
            "社群名稱不可空白，最多 100 字",
            "the community name must be 1–100 characters",
        ));
    }
    if convener.is_empty() {
        problems.push(RowProblem::new(line, "召集人姓名不可空白", "the convener's name must not be empty"));
    }
    if !looks_like_email(&email) {
        problems.push(RowProblem::new(
            line,
            format!("召集人電子郵件「{email}」不正確"),
            format!("the convener's e-mail \"{email}\" is not valid"),
        ));
    }
    match (problems.is_empty(), school, track, group) {
        (true, Some(school), Some(track), Some(group)) => Ok(Row {
            line,
            data: CommunityData { code, school_id: school.id, track, group_id: group, name },
            convener,
            email,
        }),
        _ => Err(problems),
    }
}

/// Reads and checks every row against the plan and the school list; writes nothing.
pub async fn parse(db: &Db, plan: &Plan, bytes: &[u8]) -> Result<Result<Vec<Row>, Vec<RowProblem>>, StoreError> {
    let all_schools = schools::list(db, &Default::default()).await?;
    Ok(parse_with(plan, &all_schools, bytes))
}

/// [`parse`] with the school list at hand: reads and checks every row; touches nothing.
pub fn parse_with(plan: &Plan, all_schools: &[schools::School], bytes: &[u8]) -> Result<Vec<Row>, Vec<RowProblem>> {
    let table = match read_table_within(bytes, &Limits::UPLOAD) {
        Ok(t) => t,
        Err(e) => return Err(vec![RowProblem::new(e.line().unwrap_or(0), e.message_zh(), e.to_string())]),
    };
    let columns = locate_columns(&table.header, COLUMNS).map_err(|p| vec![p])?;
    let mut problems = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    for row in &table.rows {
        let cell = |i: usize| row.cells.get(columns[i]).cloned().unwrap_or_default();
        let fields = Fields {
            code: cell(0),
            school: cell(1),
            track: cell(2),
            group: cell(3),
            name: cell(4),
            convener: cell(5),
            email: cell(6),
        };
        match check_row(plan, all_schools, row.line, &fields, &rows) {
            Ok(checked) => rows.push(checked),
            Err(mut found) => problems.append(&mut found),
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(RowProblem::new(0, "檔案裡沒有社群資料", "the file has no communities in it"));
    }
    if problems.is_empty() { Ok(rows) } else { Err(problems) }
}

/// A convener invited by the import, with the link when it could not be mailed.
#[derive(Debug, Clone)]
pub struct Invited {
    pub code: String,
    pub name: String,
    pub email: String,
    pub link: String,
}

#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub invited: Vec<Invited>,
}

impl Summary {
    pub fn render(&self, lang: Lang) -> String {
        crate::i18n::pick(
            lang,
            &format!(
                "匯入完成：新增 {} 個社群、更新 {} 個、未變更 {} 個；邀請 {} 位召集人",
                self.created,
                self.updated,
                self.unchanged,
                self.invited.len()
            ),
            &format!(
                "imported: {} communities added, {} updated, {} unchanged; {} conveners invited",
                self.created,
                self.updated,
                self.unchanged,
                self.invited.len()
            ),
        )
        .to_string()
    }
}

/// Why rows that passed their own checks still cannot be written.
#[derive(Debug)]
pub enum ApplyError {
    Rows(Vec<RowProblem>),
    Store(StoreError),
}

impl From<StoreError> for ApplyError {
    fn from(e: StoreError) -> Self {
        ApplyError::Store(e)
    }
}

impl From<linxuan_store::DbErr> for ApplyError {
    fn from(e: linxuan_store::DbErr) -> Self {
        ApplyError::Store(e.into())
    }
}

/// Writes the rows in one transaction: new codes create a community with its convener (invited
/// when they have no account), known codes are updated. A known code whose convener differs is
/// refused (use the members page to hand the role over).
/// `file` is the imported file, kept and named in the log; `None` for the office's one-row form.
pub async fn apply(
    state: &Inner,
    year: i32,
    rows: &[Row],
    actor: &Actor,
    file: Option<&[u8]>,
) -> Result<Summary, ApplyError> {
    let now = state.now();
    // Kept only if the import is written (a new file goes again otherwise).
    let (sha, fresh) = match file {
        Some(bytes) => {
            let (sha, fresh) = state.files.put_content_unrecorded("imports", Bytes::copy_from_slice(bytes)).await?;
            (Some(sha), fresh)
        }
        None => (None, None),
    };
    let txn = state.db.begin().await?;
    let mut summary = Summary::default();
    let mut problems = Vec::new();
    let mut links = Vec::new();
    for row in rows {
        if let Some(existing) = communities::by_code(&txn, year, &row.data.code).await? {
            let members = communities::members(&txn, existing.id).await?;
            let same_convener = members.iter().any(|m| m.role == communities::CONVENER && m.email == row.email);
            if !same_convener {
                problems.push(RowProblem::new(
                    row.line,
                    format!("社群 {} 已存在且召集人不是 {}；請在該社群的成員頁交接召集人", row.data.code, row.email),
                    format!(
                        "community {} exists with another convener than {}; hand the role over on its members page",
                        row.data.code, row.email
                    ),
                ));
                continue;
            }
            let before = CommunityData::from(&existing);
            if before == row.data {
                summary.unchanged += 1;
                continue;
            }
            let id = existing.id;
            communities::update(&txn, existing, &row.data, now).await?;
            audit::record(
                &txn,
                now,
                actor,
                Change::new("community.import", "community", id).year(year).before(&before).after(&row.data),
            )
            .await?;
            summary.updated += 1;
            continue;
        }
        let created = communities::create(&txn, year, &row.data, communities::APPROVED, now).await?;
        let existing_user = users::by_email(&txn, &row.email).await?;
        if let Some(u) = &existing_user
            && u.role == "convener"
            && u.password_hash.is_some()
            && u.email_confirmed_at.is_none()
        {
            // Someone set this account's password without showing the address is theirs (a
            // link a convener once saw): attaching a community to it could hand it to them.
            problems.push(RowProblem::new(
                row.line,
                format!(
                    "{} 的帳號尚未經本人確認電子郵件；請先在「帳號」頁為此帳號產生重設密碼連結並交給本人（或寄出），本人設定密碼後再匯入",
                    row.email
                ),
                format!(
                    "the account of {} has not had its e-mail address confirmed by its owner: make a password-reset link for it on the Accounts page and give it to the owner (or mail it), then import again once they have set their password",
                    row.email
                ),
            ));
            continue;
        }
        let user = match existing_user {
            Some(u) if u.role == "convener" && u.password_hash.is_some() => u,
            Some(u) if u.role == "convener" => {
                // An account nobody has taken up yet: a fresh invitation goes to the address.
                tokens::revoke(&txn, Purpose::Invite, Some(u.id), now).await?;
                let (secret, _) =
                    tokens::issue(&txn, Purpose::Invite, Some(u.id), crate::accounts::INVITE_VALID, now).await?;
                links.push(Invited {
                    code: row.data.code.clone(),
                    name: row.convener.clone(),
                    email: row.email.clone(),
                    link: state.link(&format!("/invite/{secret}")),
                });
                u
            }
            Some(_) => {
                problems.push(RowProblem::new(
                    row.line,
                    format!("{} 已是其他角色的帳號，不能當召集人", row.email),
                    format!("{} belongs to an account with another role and cannot convene", row.email),
                ));
                continue;
            }
            None => {
                let new = users::NewUser {
                    email: &row.email,
                    name: &row.convener,
                    role: "convener",
                    password_hash: None,
                    locale: "zh-TW",
                };
                let user = users::create(&txn, new, now).await?;
                let (secret, _) =
                    tokens::issue(&txn, Purpose::Invite, Some(user.id), crate::accounts::INVITE_VALID, now).await?;
                audit::record(
                    &txn,
                    now,
                    actor,
                    Change::new("user.invite", "user", user.id).after(&crate::accounts::user_summary(&user)),
                )
                .await?;
                links.push(Invited {
                    code: row.data.code.clone(),
                    name: row.convener.clone(),
                    email: row.email.clone(),
                    link: state.link(&format!("/invite/{secret}")),
                });
                user
            }
        };
        let convener = MemberData {
            name: row.convener.clone(),
            school_id: Some(row.data.school_id),
            title: String::new(),
            email: row.email.clone(),
            role: communities::CONVENER.into(),
        };
        communities::add_member(&txn, created.id, &convener, None, Some(user.id), now).await?;
        audit::record(
            &txn,
            now,
            actor,
            Change::new("community.import", "community", created.id).year(year).after(&row.data),
        )
        .await?;
        summary.created += 1;
    }
    if !problems.is_empty() {
        // Nothing is written: the transaction is dropped, and a newly kept file goes again.
        drop(txn);
        if let Some(fresh) = fresh {
            fresh.discard().await;
        }
        return Err(ApplyError::Rows(problems));
    }
    if let Some(sha) = sha {
        let mut batch = Change::new("communities.import", "import", &sha).year(year);
        batch.after = Some(serde_json::json!({
            "sha256": sha, "created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged,
        }));
        audit::record(&txn, now, actor, batch).await?;
    }
    txn.commit().await?;
    if let Some(fresh) = fresh {
        fresh.recorded();
    }
    // Invitations go out only once the import is safely written.
    for invited in links {
        let (subject, body) = crate::accounts::invite_mail(
            Lang::ZhTw,
            &invited.name,
            crate::accounts::Role::Convener,
            &invited.link,
            crate::accounts::INVITE_VALID.num_days(),
        );
        let delivery = crate::mail::send(state, "invite", &invited.email, &subject, &body, &actor.label).await;
        if delivery != crate::mail::Delivery::Sent {
            summary.invited.push(invited);
        } else {
            summary.invited.push(Invited { link: String::new(), ..invited });
        }
    }
    Ok(summary)
}
