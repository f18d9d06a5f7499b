//! The year as its users live it (issue 10): what a community that did nothing earns, what a
//! reminder lists, how late reads, a forgotten password without mail, past years after the next
//! plan, weekends in a copied plan, the reviewer's running total.

use chrono::NaiveDate;
use linxuan_core::time::taipei;
use reqwest::StatusCode;

use crate::backends;
use crate::community::{community_id, convener, office, pdf};
use crate::support::{SmtpSink, TestApp, mail_text};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A community with nothing recorded earns no completeness, and a reminder lists what is to do
/// (once each, never an item already done).
async fn nothing_earns_nothing_and_reminders_list_only_what_is_to_do(app: TestApp, sink: SmtpSink) {
    let admin = app.admin().await;
    admin.upload("/office/schools/import", "s.csv", crate::community::SCHOOLS.as_bytes().to_vec()).await;
    let page =
        admin.upload("/office/communities/import", "c.csv", crate::community::COMMUNITIES.as_bytes().to_vec()).await;
    assert!(page.has("已寄信"), "{}", page.body);
    let invitation = sink.messages().into_iter().map(|m| mail_text(&m)).find(|m| m.contains("lin@school")).unwrap();
    let start = invitation.find("/invite/").unwrap();
    let link: String = invitation[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    let lin = convener(&app, &link).await;
    let id = community_id(&lin).await;
    let overview = lin.get(&format!("/community/{id}")).await;
    let suggested = overview.texts("#completeness h2").concat();
    assert!(suggested.contains("0 / 25"), "nothing recorded, 0 of 25: {suggested}");
    // The report is uploaded: the reminder no longer asks for it, nor says it is done.
    let up =
        lin.upload(&format!("/community/{id}/files?category=report&key=remind-key-00000001"), "r.pdf", pdf(100)).await;
    assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.body);
    app.clock.set(taipei(d(2023, 1, 10), 9, 0, 0));
    let before = sink.messages().len();
    let sent = admin.post("/office/progress/remind?group=basic-elementary", &[("note", "")]).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let messages = sink.messages();
    assert_eq!(messages.len(), before + 1);
    let text = mail_text(messages.last().unwrap());
    let listed: Vec<&str> = text.lines().filter(|l| l.trim_start().starts_with('・')).collect();
    assert!(!listed.iter().any(|l| l.contains("成果報告")), "the report is done: {text}");
    assert!(!listed.iter().any(|l| l.contains("已上傳") || l.contains("都有")), "nothing done is listed: {text}");
    assert!(listed.iter().any(|l| l.contains("運作紀錄與簽到表")), "{text}");
    assert!(listed.iter().any(|l| l.contains("成員：已 1 人，尚需 4 人")), "{text}");
    // The progress board draws each group's checkpoints, and says them in words.
    let board = admin.get("/office/progress").await;
    let desc = board.texts("#progress-basic-elementary-d").concat();
    assert!(desc.contains("期中檢核：準時 0、逾期 0、未繳交 1、尚未到期 0"), "{desc}");
    assert!(desc.contains("期末成果：準時 0、逾期 0、未繳交 0、尚未到期 1"), "{desc}");
    assert_eq!(
        board.attrs("svg#progress-basic-elementary, svg[aria-labelledby^='progress-basic-elementary']", "role"),
        ["img"]
    );
    // The progress workbook: points are numbers Excel can sum.
    use calamine::{Data, Reader, Xlsx};
    let (_, bytes) = admin.get_bytes("/office/progress/export.xlsx").await;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("進度").unwrap();
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    let at = header.iter().position(|h| h == "完整性（建議）").unwrap();
    assert!(sheet.rows().skip(1).all(|r| matches!(r[at], Data::Float(_))), "{:?}", sheet.rows().collect::<Vec<_>>());
}

/// 25 seconds late reads as 25 seconds, not an hour.
async fn lateness_reads_in_its_own_unit(app: TestApp) {
    let (admin, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    app.clock.set(taipei(d(2022, 12, 1), 10, 0, 0));
    let page = lin
        .post(
            &format!("/community/{id}/meetings"),
            &[("date", "111/11/30"), ("kind", "co_planning"), ("topic", "備課")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let meeting = page.location.unwrap().replace("#signin", "");
    let meeting_id = meeting.rsplit('/').next().unwrap().to_string();
    // The midterm is due 112-01-09 23:59:59; the sign-in sheet arrives 25 seconds after.
    app.clock.set(taipei(d(2023, 1, 10), 0, 0, 25));
    allow_late(&admin).await;
    let mut jpg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpg.extend_from_slice(&[0u8; 500]);
    let up = lin
        .upload(
            &format!("/community/{id}/files?category=signin&meeting={meeting_id}&key=late25-key-00000001"),
            "s.jpg",
            jpg,
        )
        .await;
    assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.body);
    let overview = lin.get(&format!("/community/{id}")).await;
    let midterm = overview.texts("#checkpoints li").into_iter().find(|l| l.contains("期中檢核")).unwrap();
    assert!(midterm.contains("逾期 25 秒"), "{midterm}");
    assert!(!midterm.contains("小時"), "{midterm}");
}

/// The plan made to accept late uploads (through the office's form).
async fn allow_late(admin: &crate::support::Client) {
    let form = admin.get("/office/plan/edit/general").await;
    let draft = crate::plan::hidden(&form.body, "_draft");
    let version = crate::plan::hidden(&form.body, "_version");
    let saved = admin
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
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
}

/// Without SMTP, "forgot password" never claims mail was sent: it says to ask the office.
async fn without_mail_a_forgotten_password_goes_to_the_office(app: TestApp) {
    let _admin = app.admin().await;
    let stranger = app.client();
    let page = stranger.get("/password/forgot").await;
    assert_eq!(page.status, StatusCode::OK);
    let said = page.texts("main").concat();
    assert!(said.contains("承辦單位") && said.contains("重設密碼的連結"), "{said}");
    assert!(page.texts("form[action='/password/forgot']").is_empty(), "no form that cannot work");
    let posted = stranger.post("/password/forgot", &[("email", "office@tyc.edu.tw")]).await;
    assert!(!posted.has("請查看電子郵件") && !posted.has("已寄出"), "{}", posted.body);
    assert!(posted.texts("#no-mail").concat().contains("承辦單位"));
    assert_eq!(app.count("tokens WHERE purpose = 'reset'").await, 0, "no link made that nobody gets");
}

/// After the office creates the next year's plan, a convener of the past year still finds their
/// year — its community, files and results — beside the new year's registration, and a
/// reviewer finds their past assignments.
async fn past_years_stay_found_after_the_next_plan(app: TestApp) {
    let (admin, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    let up = lin
        .upload(&format!("/community/{id}/files?category=report&key=past-key-000000001"), "成果.pdf", pdf(100))
        .await;
    assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.body);
    // A reviewer with a 111 assignment.
    let invited = admin
        .post(
            "/office/review/reviewers",
            &[("name", "王教授"), ("email", "wang@ntnu.edu.tw"), ("affiliation", "大學"), ("school", "")],
        )
        .await;
    let link = invited.find_link("/invite/").unwrap();
    let wang = app.client();
    wang.post(&link, &[("name", "王教授"), ("password", "reviewing 12345"), ("confirm", "reviewing 12345")]).await;
    app.clock.set(taipei(d(2023, 6, 14), 10, 0, 0));
    admin.post("/office/review/assign/round-1/auto", &[]).await;
    assert!(wang.get("/review").await.has("西門閱讀社群"));

    app.clock.set(taipei(d(2023, 8, 20), 10, 0, 0));
    assert_eq!(admin.post("/office/plan/next-year", &[("from", "111")]).await.status, StatusCode::SEE_OTHER);
    // The convener: no more straight to a community; 111 listed with its community and links,
    // and 112's registration beside it.
    let home = lin.get("/community").await;
    assert_eq!(home.status, StatusCode::OK, "{:?}", home.location);
    let past = home.texts("#year-111").concat();
    assert!(past.contains("西門閱讀社群") && past.contains("結果尚未公告"), "{past}");
    let hrefs = home.attrs("#year-111 a", "href");
    assert!(
        hrefs.contains(&format!("/community/{id}/files")) && hrefs.contains(&format!("/community/{id}/results")),
        "{hrefs:?}"
    );
    assert!(home.texts("#this-year").concat().contains("112"), "{}", home.body);
    assert!(home.texts("h2").iter().any(|h| h.contains("登記 112 學年度的社群")), "registration beside it");
    let files = lin.get(&format!("/community/{id}/files")).await;
    assert_eq!(files.status, StatusCode::OK);
    assert!(files.has("成果.pdf"), "the past year's files are still there");
    assert_eq!(lin.get(&format!("/community/{id}/results")).await.status, StatusCode::OK);
    // The reviewer: 112 on top, 111 a click away, their assignment there.
    let now = wang.get("/review").await;
    assert!(!now.has("西門閱讀社群"), "112 has no assignment yet");
    assert_eq!(now.attrs("#years a", "href"), ["/review", "/review?year=111"]);
    let then = wang.get("/review?year=111").await;
    assert!(then.has("西門閱讀社群"), "{}", then.body);
    assert_eq!(wang.get("/review?year=105").await.status, StatusCode::NOT_FOUND, "only years they took part in");
}

crate::backends_with_mail!(nothing_earns_nothing_and_reminders_list_only_what_is_to_do);
backends!(
    lateness_reads_in_its_own_unit,
    without_mail_a_forgotten_password_goes_to_the_office,
    past_years_stay_found_after_the_next_plan
);
