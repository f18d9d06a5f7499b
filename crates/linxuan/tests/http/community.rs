//! The community portal over HTTP: import, registration, members, meetings, uploads,
//! deadlines, self-evaluation, consent, the office's board and reminders.

use chrono::NaiveDate;
use linxuan_core::time::taipei;
use reqwest::StatusCode;

use crate::backends;
use crate::support::{Client, SmtpSink, TestApp, mail_text};

pub(crate) const SCHOOLS: &str =
    "code,name,level,district\n034750,西門國小,國小,桃園區\n034601,文昌國中,國中,桃園區\n034602,建國國中,國中,桃園區\n";
pub(crate) const COMMUNITIES: &str = "社群代碼,學校代碼,類別,組別,社群名稱,召集人,召集人電子郵件\n\
E001,034750,初階,國小組,西門閱讀社群,林老師,lin@school.tyc.edu.tw\n\
J001,034601,初階,國中組,文昌數學社群,陳老師,chen@school.tyc.edu.tw\n";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A PDF, as far as a type check can tell, of `size` bytes.
pub(crate) fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.resize(size.max(16), b'x');
    bytes
}

/// The admin, with schools and two communities imported; returns the invitation links shown.
pub(crate) async fn office(app: &TestApp) -> (Client, Vec<String>) {
    let admin = app.admin().await;
    let page = admin.upload("/office/schools/import", "schools.csv", SCHOOLS.as_bytes().to_vec()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = admin.upload("/office/communities/import", "communities.csv", COMMUNITIES.as_bytes().to_vec()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.has("新增 2 個社群"), "{}", page.body);
    let mut links = Vec::new();
    let mut rest = page.body.as_str();
    while let Some(i) = rest.find("/invite/") {
        let end = rest[i..].find('"').unwrap();
        links.push(rest[i..i + end].to_string());
        rest = &rest[i + end..];
    }
    assert_eq!(links.len(), 2, "one link per new convener");
    (admin, links)
}

/// A convener who accepted their invitation.
pub(crate) async fn convener(app: &TestApp, link: &str) -> Client {
    let client = app.client();
    let page =
        client.post(link, &[("name", "林老師"), ("password", "teaching is fun"), ("confirm", "teaching is fun")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    client
}

/// The id of the community the convener lands on.
pub(crate) async fn community_id(client: &Client) -> i32 {
    let page = client.get("/community").await;
    let to = page.location.expect("a single community opens directly");
    to.trim_start_matches("/community/").parse().unwrap()
}

async fn count_versions(app: &TestApp) -> i64 {
    app.count("file_versions").await
}

async fn importing_communities_checks_each_row(app: TestApp) {
    let admin = app.admin().await;
    admin.upload("/office/schools/import", "schools.csv", SCHOOLS.as_bytes().to_vec()).await;
    let bad = "code,school,track,group,name,convener,email\n\
        E001,034601,basic,basic-elementary,國中進國小組,王,wang@x.tw\n\
        E002,999999,basic,basic-elementary,無此學校,王,wang@x.tw\n\
        E003,034750,advanced,國小組,類別組別不合,王,wang@x.tw\n\
        E004,034750,basic,basic-elementary,壞信箱,王,not-an-email\n";
    let page = admin.upload("/office/communities/import", "c.csv", bad.as_bytes().to_vec()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.has("第 2 列：文昌國中是國中，不能參加「國小組」"), "{}", page.body);
    assert!(page.has("第 3 列：找不到學校代碼「999999」"));
    assert!(page.has("第 4 列：組別「國小組」不屬於類別「advanced」"));
    assert!(page.has("第 5 列：召集人電子郵件「not-an-email」不正確"));
    assert_eq!(app.count("communities").await, 0, "nothing half-written");
    assert_eq!(app.count("users").await, 1);
}

async fn a_convener_sees_only_their_own_community(app: TestApp) {
    let (admin, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let chen = convener(&app, &links[1]).await;
    let lin_id = community_id(&lin).await;
    let chen_id = community_id(&chen).await;
    assert_ne!(lin_id, chen_id);
    let overview = lin.get(&format!("/community/{lin_id}")).await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.has("西門閱讀社群") && overview.has("期中檢核"));
    for path in ["", "/members", "/meetings", "/files", "/self-evaluation", "/meetings/new"] {
        assert_eq!(lin.get(&format!("/community/{chen_id}{path}")).await.status, StatusCode::FORBIDDEN, "GET {path}");
    }
    let before = app.count("members").await;
    let page = lin.post(&format!("/community/{chen_id}/members"), &[("name", "闖入者")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = lin
        .upload(&format!("/community/{chen_id}/files?category=report&key=aaaaaaaaaaaaaaaaaaaa"), "r.pdf", pdf(100))
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("members").await, before, "nothing changed");
    assert_eq!(count_versions(&app).await, 0);
    // A member id of another community is not found through one's own community.
    let chen_members = admin.get(&format!("/community/{chen_id}/members")).await;
    let chen_member = chen_members.href_after("id=\"members\"", &format!("/community/{chen_id}/members/")).unwrap();
    let member_id = chen_member.rsplit('/').next().unwrap();
    let page = lin.post(&format!("/community/{lin_id}/members/{member_id}/delete"), &[]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("members").await, before);
    // Office pages stay closed to conveners.
    assert_eq!(lin.get("/office/progress").await.status, StatusCode::FORBIDDEN);
}

async fn members_with_a_sealed_national_id(app: TestApp) {
    let (_, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    let bad = lin.post(&format!("/community/{id}/members"), &[("name", "王小明"), ("national_id", "A123456788")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.has("檢查碼不符"));
    let ok = lin
        .post(
            &format!("/community/{id}/members"),
            &[
                ("name", "王小明"),
                ("title", "教師"),
                ("email", "wang@school.tyc.edu.tw"),
                ("national_id", "a123456789"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let page = lin.get(&format!("/community/{id}/members")).await;
    assert!(page.has("A12****789") && !page.has("A123456789"));
    assert!(page.has("成員 2 人，未達最低人數"), "minimum 5 for the basic track");
    // Not in the clear in the database, and not in the audit log.
    assert_eq!(
        app.sql("UPDATE members SET name = name WHERE national_id_sealed LIKE '%A123456789%'").await.unwrap(),
        0
    );
    assert_eq!(app.sql("UPDATE members SET name = name WHERE national_id_sealed LIKE 'v1:%'").await.unwrap(), 1);
    let leaked: i64 = {
        use sea_orm::{ConnectionTrait, Statement};
        let backend = app.state.db.get_database_backend();
        let rows = app
            .state
            .db
            .query_all_raw(Statement::from_string(backend, "SELECT id FROM audit_log WHERE after LIKE '%A123456789%'"))
            .await
            .unwrap();
        rows.len() as i64
    };
    assert_eq!(leaked, 0, "the audit log keeps only the masked number");
    for n in 3..=5 {
        lin.post(&format!("/community/{id}/members"), &[("name", &format!("成員{n}"))]).await;
    }
    assert!(lin.get(&format!("/community/{id}/members")).await.has("成員 5 人"));
}

async fn meetings_count_per_semester_with_sign_in_sheets(app: TestApp) {
    let (_, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    app.clock.set(taipei(d(2022, 10, 10), 10, 0, 0));
    let future = lin
        .post(&format!("/community/{id}/meetings"), &[("date", "111/10/11"), ("kind", "co_planning"), ("topic", "x")])
        .await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(future.has("日期不能在今天之後"));
    let outside = lin
        .post(&format!("/community/{id}/meetings"), &[("date", "111/07/20"), ("kind", "co_planning"), ("topic", "x")])
        .await;
    assert!(outside.has("不在 111 學年度內"));
    let page = lin
        .post(
            &format!("/community/{id}/meetings"),
            &[
                ("date", "1111005"),
                ("kind", "co_planning"),
                ("topic", "閱讀策略共同備課"),
                ("minutes", "討論提問設計"),
                ("attendees", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let meeting_path = page.location.unwrap().replace("#signin", "");
    let list = lin.get(&format!("/community/{id}/meetings")).await;
    assert!(list.has("111年10月5日") && list.has("缺簽到表") && list.has("1 / 3"), "{}", list.body);
    // The sign-in sheet, as a photo.
    let meeting_id = meeting_path.rsplit('/').next().unwrap();
    let mut jpg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpg.extend_from_slice(&[0u8; 500]);
    let up = lin
        .upload(
            &format!("/community/{id}/files?category=signin&meeting={meeting_id}&key=signin-key-0000000001"),
            "簽到表.jpg",
            jpg,
        )
        .await;
    assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.body);
    let list = lin.get(&format!("/community/{id}/meetings")).await;
    assert!(!list.has("缺簽到表"));
    let overview = lin.get(&format!("/community/{id}")).await;
    assert!(overview.has("第1學期聚會 1 次（至少 3 次）"));
    assert!(overview.has("準時"), "the midterm is met (on time) by a semester-1 record with its sheet");
    // Recorded after the midterm deadline, a semester-1 meeting is marked late.
    app.clock.set(taipei(d(2023, 1, 10), 0, 0, 0));
    let late = lin
        .post(&format!("/community/{id}/meetings"), &[("date", "112/01/06"), ("kind", "debrief"), ("topic", "議課")])
        .await;
    assert_eq!(late.status, StatusCode::SEE_OTHER);
    assert!(lin.get(&format!("/community/{id}/meetings")).await.has("逾期"));
}

async fn uploads_are_checked_versioned_and_never_duplicated(app: TestApp) {
    let (_, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    // An executable renamed .pdf.
    let exe = lin
        .upload(
            &format!("/community/{id}/files?category=report&key=exe-key-000000000001"),
            "成果報告.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00".to_vec(),
        )
        .await;
    assert_eq!(exe.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(exe.has("執行檔"), "{}", exe.body);
    assert_eq!(count_versions(&app).await, 0);
    let first = lin
        .upload(&format!("/community/{id}/files?category=report&key=report-key-0000000001"), "成果報告.pdf", pdf(2000))
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    // The same upload again (a retry after a dropped connection): no duplicate.
    let retry = lin
        .upload(&format!("/community/{id}/files?category=report&key=report-key-0000000001"), "成果報告.pdf", pdf(2000))
        .await;
    assert_eq!(retry.status, StatusCode::SEE_OTHER);
    assert_eq!(count_versions(&app).await, 1);
    // A new version keeps the old one.
    let second = lin
        .upload(
            &format!("/community/{id}/files?category=report&key=report-key-0000000002"),
            "成果報告v2.pdf",
            pdf(3000),
        )
        .await;
    assert_eq!(second.status, StatusCode::SEE_OTHER);
    assert_eq!(count_versions(&app).await, 2);
    let files = lin.get(&format!("/community/{id}/files")).await;
    assert!(files.has("成果報告v2.pdf") && files.has("全部 2 個版本"), "{}", files.body);
    let v1 = files.href_after("全部 2 個版本", &format!("/community/{id}/files/version/")).unwrap();
    let (status, bytes) = lin.get_bytes(&v1).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, pdf(2000), "version 1 is still there, byte for byte");
    // JSON for scripts.
    let json = lin
        .upload_json(
            &format!("/community/{id}/files?category=lesson_plan&key=lesson-key-000000001"),
            "教案.pdf",
            pdf(500),
        )
        .await;
    assert_eq!(json.status, StatusCode::OK);
    assert!(json.body.contains("\"ok\":true"), "{}", json.body);
    // Deleting hides the document from the page but keeps it.
    let files = lin.get(&format!("/community/{id}/files")).await;
    let delete = files.find_link("/delete\"").unwrap_or_default();
    assert!(!delete.is_empty());
    assert_eq!(count_versions(&app).await, 3);
}

async fn an_upload_over_the_limit_leaves_nothing_behind(app: TestApp) {
    let (admin, links) = office(&app).await;
    // The office lowers the limit to 1 MB for the test.
    let form = admin.get("/office/plan/edit/general").await;
    let draft = crate::plan::hidden(&form.body, "_draft");
    let version = crate::plan::hidden(&form.body, "_version");
    let saved = admin
        .post(
            "/office/plan/edit/general",
            &[("_draft", &draft), ("_version", &version), ("i:uploads.max_file_mb", "1")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    let files_before = walk(&app.dir.join("files"));
    let big = lin
        .upload(&format!("/community/{id}/files?category=report&key=big-key-00000000001"), "big.pdf", pdf(1_000_001))
        .await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", big.body);
    let json = lin
        .upload_json(
            &format!("/community/{id}/files?category=report&key=big-key-00000000002"),
            "big.pdf",
            pdf(1_500_000),
        )
        .await;
    assert_eq!(json.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(json.body.contains("1 MB"), "{}", json.body);
    assert_eq!(count_versions(&app).await, 0);
    assert_eq!(walk(&app.dir.join("files")), files_before, "no file, no partial file");
    let exactly = lin
        .upload(&format!("/community/{id}/files?category=report&key=big-key-00000000003"), "ok.pdf", pdf(1_000_000))
        .await;
    assert_eq!(exactly.status, StatusCode::SEE_OTHER, "exactly the limit is fine");
}

pub(crate) fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path.display().to_string());
            }
        }
    }
    out.sort();
    out
}

async fn the_deadline_runs_to_the_last_second(app: TestApp) {
    let (admin, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    app.clock.set(taipei(d(2023, 6, 12), 23, 59, 59));
    let on_time =
        lin.upload(&format!("/community/{id}/files?category=report&key=deadline-key-0000001"), "r.pdf", pdf(100)).await;
    assert_eq!(on_time.status, StatusCode::SEE_OTHER);
    assert!(!lin.get(&format!("/community/{id}/files")).await.has("badge warn\">逾期"));
    app.clock.set(taipei(d(2023, 6, 13), 0, 0, 0));
    let late = lin
        .upload(&format!("/community/{id}/files?category=report&key=deadline-key-0000002"), "r2.pdf", pdf(100))
        .await;
    assert_eq!(late.status, StatusCode::FORBIDDEN, "the plan does not accept late uploads");
    assert!(late.has("資料已截止"), "{}", late.body);
    assert_eq!(
        lin.post(&format!("/community/{id}/members"), &[("name", "遲到者")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(lin.get(&format!("/community/{id}")).await.has("資料已截止"));
    // The office may still correct it, marked late, and the log says who acted for whom.
    let fixed = admin
        .upload(&format!("/community/{id}/files?category=lesson_plan&key=deadline-key-0000003"), "教案.pdf", pdf(100))
        .await;
    assert_eq!(fixed.status, StatusCode::SEE_OTHER);
    let files = admin.get(&format!("/community/{id}/files")).await;
    assert!(files.has("逾期") && files.has("代社群 E001"), "{}", files.body);
    assert!(admin.get("/office/audit").await.has("office@tyc.edu.tw（代社群 E001）"));
}

/// An upload whose body the test sends in two halves, moving the server's clock in between:
/// the time of the last byte decides.
async fn upload_across(
    app: &TestApp,
    client: &Client,
    path: &str,
    last_byte_at: chrono::DateTime<chrono::Utc>,
) -> StatusCode {
    let token = client.token().await;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    let body = reqwest::Body::wrap_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }));
    let boundary = "last-byte-boundary";
    let request = client
        .http()
        .post(client.url(&format!("{path}&_csrf={token}")))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send();
    let sending = tokio::spawn(request);
    let mut head = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.pdf\"\r\n\r\n")
        .into_bytes();
    head.extend_from_slice(&pdf(300_000));
    tx.send(Ok(head)).await.unwrap();
    // The server is writing the first half (its staging file is there); the rest arrives at
    // `last_byte_at`.
    let writing = || walk(&app.dir.join("files")).iter().any(|p| p.contains('#'));
    for _ in 0..1_000_000 {
        if writing() {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(writing(), "the upload is under way");
    app.clock.set(last_byte_at);
    tx.send(Ok(format!("\r\n--{boundary}--\r\n").into_bytes())).await.unwrap();
    drop(tx);
    sending.await.unwrap().unwrap().status()
}

async fn the_last_byte_decides_to_the_tenth_of_a_second(app: TestApp) {
    let (_, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    let tenth = chrono::Duration::milliseconds(100);
    // Started a few seconds before the deadline, finished at 23:59:59.9: on time.
    app.clock.set(taipei(d(2023, 6, 12), 23, 59, 55));
    let path = format!("/community/{id}/files?category=report&key=tenth-key-000000001");
    let status = upload_across(&app, &lin, &path, taipei(d(2023, 6, 12), 23, 59, 59) + tenth * 9).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("file_versions WHERE late = false").await, 1, "on time");
    // Started before the deadline, finished at 00:00:00.1: too late, and nothing kept.
    app.clock.set(taipei(d(2023, 6, 12), 23, 59, 58));
    let path = format!("/community/{id}/files?category=report&key=tenth-key-000000002");
    let status = upload_across(&app, &lin, &path, taipei(d(2023, 6, 13), 0, 0, 0) + tenth).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the plan takes nothing late");
    assert_eq!(app.count("file_versions").await, 1);
    let stored = walk(&app.dir.join("files")).into_iter().filter(|p| p.contains("/communities/")).count();
    assert_eq!(stored, 1, "the refused file is not kept");
}

async fn late_uploads_when_the_plan_allows_them(app: TestApp) {
    let (admin, links) = office(&app).await;
    let form = admin.get("/office/plan/edit/general").await;
    let draft = crate::plan::hidden(&form.body, "_draft");
    let version = crate::plan::hidden(&form.body, "_version");
    admin
        .post(
            "/office/plan/edit/general",
            &[
                ("_draft", &draft),
                ("_version", &version),
                ("b:uploads.allow_late", "false"),
                ("b:uploads.allow_late", "true"),
            ],
        )
        .await;
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    app.clock.set(taipei(d(2023, 6, 14), 9, 0, 0));
    let late =
        lin.upload(&format!("/community/{id}/files?category=report&key=late-key-00000000001"), "r.pdf", pdf(100)).await;
    assert_eq!(late.status, StatusCode::SEE_OTHER);
    let page = lin.get(&format!("/community/{id}/files")).await;
    assert!(page.has("已過期限，標示為逾期"), "flash says late");
    assert!(page.has("逾期"));
}

async fn the_self_evaluation_saves_drafts_and_submits_once_complete(app: TestApp) {
    let (_, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    let path = format!("/community/{id}/self-evaluation");
    let draft = lin
        .post(&path, &[("level.operation", "good"), ("account.operation", "每月第一週聚會"), ("action", "save")])
        .await;
    assert_eq!(draft.status, StatusCode::SEE_OTHER);
    let page = lin.get(&path).await;
    assert!(page.has("每月第一週聚會") && page.has("草稿"));
    let incomplete = lin
        .post(&path, &[("level.operation", "good"), ("account.operation", "每月第一週聚會"), ("action", "submit")])
        .await;
    assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(incomplete.has("請選擇自評等第") && incomplete.has("每月第一週聚會"), "what was typed comes back");
    let indicators = [
        "operation",
        "co-planning",
        "observation",
        "debrief",
        "materials",
        "student-learning",
        "reflection",
        "sharing",
    ];
    let mut fields: Vec<(String, String)> = Vec::new();
    for ind in indicators {
        fields.push((format!("level.{ind}"), "fair".into()));
        fields.push((format!("account.{ind}"), format!("{ind} 的做法")));
    }
    fields.push(("action".into(), "submit".into()));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let done = lin.post(&path, &refs).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(lin.get(&path).await.has("已於"));
    let consent = lin.post(&format!("/community/{id}/consent"), &[("consent", "yes")]).await;
    assert_eq!(consent.status, StatusCode::SEE_OTHER);
    assert!(lin.get(&format!("/community/{id}")).await.has("已同意公開"));
}

async fn video_links_are_validated(app: TestApp) {
    let (_, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    let bad = lin.post(&format!("/community/{id}/links"), &[("url", "javascript:alert(1)")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = lin
        .post(&format!("/community/{id}/links"), &[("url", "https://youtu.be/dQw4w9WgXcQ"), ("title", "觀課影片")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let page = lin.get(&format!("/community/{id}/files")).await;
    assert!(page.has("觀課影片") && page.has("YouTube"));
}

async fn registration_waits_for_the_office(app: TestApp) {
    let admin = app.admin().await;
    admin.upload("/office/schools/import", "schools.csv", SCHOOLS.as_bytes().to_vec()).await;
    let teacher = app.member(&admin, "new@school.tyc.edu.tw", "convener").await;
    let home = teacher.get("/community").await;
    assert!(home.has("登記 111 學年度的社群"));
    let wrong = teacher
        .post("/community/register", &[("name", "新社群"), ("school", "034601"), ("group", "basic-elementary")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.has("文昌國中是國中"));
    let ok = teacher
        .post("/community/register", &[("name", "新社群"), ("school", "034602"), ("group", "basic-junior")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let id = ok.location.unwrap();
    assert!(teacher.get(&id).await.has("待承辦單位核准"));
    let list = admin.get("/office/communities?status=pending").await;
    assert!(list.has("新社群") && list.has("R001"));
    let form = list.find_link("/status").unwrap();
    assert_eq!(admin.post(&form, &[("status", "approved")]).await.status, StatusCode::SEE_OTHER);
    assert!(!teacher.get(&id).await.has("待承辦單位核准"));
}

async fn the_convener_role_can_be_handed_over(app: TestApp) {
    let (admin, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    lin.post(&format!("/community/{id}/members"), &[("name", "張老師"), ("email", "chang@school.tyc.edu.tw")]).await;
    let members = lin.get(&format!("/community/{id}/members")).await;
    let hand = members.find_link("/convener").unwrap();
    let page = lin.post(&hand, &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.has("張老師 現在是召集人"));
    // Another person's set-password link is never shown to a convener, even without SMTP:
    // whoever had it could take the account before its owner arrives.
    assert!(page.find_link("/invite/").is_none(), "{}", page.body);
    assert!(page.has("設定密碼的連結不會顯示在這裡"), "{}", page.body);
    assert_eq!(
        lin.get(&format!("/community/{id}")).await.status,
        StatusCode::FORBIDDEN,
        "the former convener no longer has access"
    );
    // The office makes the link and hands it to the new convener.
    let users = admin.get("/office/users").await;
    let row = users.body.find("chang@school.tyc.edu.tw").unwrap();
    let resend = users.body[row..].find("/resend\"").map(|end| {
        let start = users.body[..row + end].rfind("/office/users/").unwrap();
        users.body[start..row + end + "/resend".len()].to_string()
    });
    let made = admin.post(&resend.expect("the office can send the invitation again"), &[]).await;
    let link = made.find_link("/invite/").expect("the office sees the link to pass on");
    let chang = convener(&app, &link).await;
    assert_eq!(community_id(&chang).await, id);
}

async fn board_and_reminders_with_sink(backend: crate::support::Backend) {
    let sink = SmtpSink::start();
    let url = sink.url.clone();
    let Some(app) = TestApp::start_with(backend, |c| c.smtp_url = Some(url)).await else { return };
    let admin = app.admin().await;
    admin.upload("/office/schools/import", "schools.csv", SCHOOLS.as_bytes().to_vec()).await;
    let page = admin.upload("/office/communities/import", "communities.csv", COMMUNITIES.as_bytes().to_vec()).await;
    assert!(page.has("已寄信"), "invitations went by mail");
    app.clock.set(taipei(d(2023, 1, 10), 9, 0, 0));
    let board = admin.get("/office/progress").await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(board.has("西門閱讀社群") && board.has("文昌數學社群"));
    assert!(board.has("第1學期的運作紀錄（含簽到表）"), "the missing midterm records are named");
    let junior = admin.get("/office/progress?group=basic-junior").await;
    assert!(junior.has("文昌數學社群") && !junior.has("西門閱讀社群"));
    let (status, xlsx) = admin.get_bytes("/office/progress/export.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let table = linxuan_docs::table::read_table(&xlsx).unwrap();
    assert_eq!(table.rows.len(), 2);
    assert!(table.header.iter().any(|h| h == "缺少項目"));
    let preview = admin.get("/office/progress/remind?group=basic-junior").await;
    assert!(preview.has("chen@school.tyc.edu.tw") && !preview.has("lin@school.tyc.edu.tw"));
    let before = sink.messages().len();
    let sent = admin.post("/office/progress/remind?group=basic-junior", &[("note", "請於下週前補齊。")]).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(sent.has("已寄出"));
    let messages = sink.messages();
    assert_eq!(messages.len(), before + 1, "one reminder, to the junior-high convener only");
    let text = mail_text(messages.last().unwrap());
    assert!(text.contains("請於下週前補齊") && text.contains("文昌數學社群") && text.contains("成果報告"), "{text}");
    let log = admin.get("/office/mail").await;
    assert!(log.has("chen@school.tyc.edu.tw") && log.has("缺件提醒"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn board_and_reminders_sqlite() {
    board_and_reminders_with_sink(crate::support::Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn board_and_reminders_postgres() {
    board_and_reminders_with_sink(crate::support::Backend::Postgres).await
}

async fn the_office_adds_one_community_by_hand(app: TestApp) {
    let admin = app.admin().await;
    admin.upload("/office/schools/import", "schools.csv", SCHOOLS.as_bytes().to_vec()).await;
    let wrong = admin
        .post(
            "/office/communities",
            &[
                ("code", "E009"),
                ("school", "034601"),
                ("group", "basic-elementary"),
                ("name", "x"),
                ("convener", "王"),
                ("email", "wang@x.tw"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.has("文昌國中是國中") && wrong.has("value=\"E009\""), "the form keeps what was typed");
    let ok = admin
        .post(
            "/office/communities",
            &[
                ("code", "E009"),
                ("school", "034750"),
                ("group", "basic-elementary"),
                ("name", "西門數學社群"),
                ("convener", "王老師"),
                ("email", "wang@school.tyc.edu.tw"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(ok.has("已新增「西門數學社群」") && ok.has("/invite/"));
    let again = admin
        .post(
            "/office/communities",
            &[
                ("code", "E009"),
                ("school", "034750"),
                ("group", "basic-elementary"),
                ("name", "重複"),
                ("convener", "王老師"),
                ("email", "wang@school.tyc.edu.tw"),
            ],
        )
        .await;
    assert!(again.has("社群代碼 E009 已存在"));
    // A school with a community cannot be deleted.
    let schools = admin.get("/office/schools").await;
    let link = schools.href_after("034750", "/office/schools/").unwrap();
    assert_eq!(admin.post(&format!("{link}/delete"), &[]).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("schools").await, 3);
}

backends!(
    the_last_byte_decides_to_the_tenth_of_a_second,
    the_office_adds_one_community_by_hand,
    importing_communities_checks_each_row,
    a_convener_sees_only_their_own_community,
    members_with_a_sealed_national_id,
    meetings_count_per_semester_with_sign_in_sheets,
    uploads_are_checked_versioned_and_never_duplicated,
    an_upload_over_the_limit_leaves_nothing_behind,
    the_deadline_runs_to_the_last_second,
    late_uploads_when_the_plan_allows_them,
    the_self_evaluation_saves_drafts_and_submits_once_complete,
    video_links_are_validated,
    registration_waits_for_the_office,
    the_convener_role_can_be_handed_over,
);
