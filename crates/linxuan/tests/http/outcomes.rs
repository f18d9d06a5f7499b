//! What the year ends in: certificates numbered for good (twice the same numbers; a revocation
//! or a correction voids and records), PDFs read back, the trophy list and the commendation
//! roster (full IDs for the office only, logged), the public showcase (nothing without consent,
//! nothing personal, withdrawn at once, cacheable), and the lecturer directory whose requests
//! need the e-mailed link.

use calamine::{Reader, Xlsx};
use reqwest::StatusCode;

use crate::support::{Client, SmtpSink, TestApp, mail_text};
use crate::{backends, backends_with_mail};

const SCHOOLS: &str = "code,name,level,district\n034750,西門國小,國小,桃園區\n034601,文昌國中,國中,中壢區\n034602,建國國中,國中,桃園區\n034603,青溪國中,國中,桃園區\n";
const COMMUNITIES: &str = "code,school,track,group,name,convener,email\n\
J1,034601,basic,basic-junior,文昌一,甲老師,j1@school.tyc.edu.tw\n\
J2,034602,basic,basic-junior,建國一,乙老師,j2@school.tyc.edu.tw\n\
J3,034603,basic,basic-junior,青溪一,丙老師,j3@school.tyc.edu.tw\n\
J4,034601,basic,basic-junior,文昌二,丁老師,j4@school.tyc.edu.tw\n";
const SCORES: &str = "community,group,round,reviewer,criterion,score\n\
J1,basic-junior,1,wang@ntnu.edu.tw,timeliness,25\nJ1,basic-junior,1,wang@ntnu.edu.tw,completeness,25\nJ1,basic-junior,1,wang@ntnu.edu.tw,richness,45\n\
J2,basic-junior,1,wang@ntnu.edu.tw,timeliness,25\nJ2,basic-junior,1,wang@ntnu.edu.tw,completeness,20\nJ2,basic-junior,1,wang@ntnu.edu.tw,richness,40\n\
J3,basic-junior,1,wang@ntnu.edu.tw,timeliness,20\nJ3,basic-junior,1,wang@ntnu.edu.tw,completeness,20\nJ3,basic-junior,1,wang@ntnu.edu.tw,richness,35\n";

fn path_of(link: &str) -> String {
    link.split_once("://").map(|(_, rest)| rest[rest.find('/').unwrap()..].to_string()).unwrap()
}

async fn sign_in(app: &TestApp, link: &str, name: &str) -> Client {
    let client = app.client();
    let ok = client
        .post(&path_of(link), &[("name", name), ("password", "convening 12345"), ("confirm", "convening 12345")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    client
}

/// Sets plan fields through the office's section form.
async fn set_plan(admin: &Client, section: &str, fields: &[(&str, &str)]) {
    let url = format!("/office/plan/edit/{section}");
    let form = admin.get(&url).await;
    let draft = crate::plan::hidden(&form.body, "_draft");
    let version = crate::plan::hidden(&form.body, "_version");
    let mut all = vec![("_draft", draft.as_str()), ("_version", version.as_str())];
    all.extend_from_slice(fields);
    let saved = admin.post(&url, &all).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
}

/// The office, schools, four junior-high communities; J1 95 (特優), J2 85 (優等), J3 75 (甲等),
/// J4 unscored; published. Returns the office and the import page (its links, without SMTP).
async fn published(app: &TestApp) -> (Client, crate::support::Page) {
    let admin = app.admin().await;
    admin.upload("/office/schools/import", "s.csv", SCHOOLS.as_bytes().to_vec()).await;
    let imported = admin.upload("/office/communities/import", "c.csv", COMMUNITIES.as_bytes().to_vec()).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    add_reviewer(&admin).await;
    let page = admin.upload("/office/review/import", "s.csv", SCORES.as_bytes().to_vec()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = admin.post("/office/review/publish", &[("note", "公告"), ("unfinished", "1")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    (admin, imported)
}

/// The reviewer the paper scores name.
async fn add_reviewer(admin: &Client) {
    let page = admin
        .post(
            "/office/review/reviewers",
            &[("name", "王教授"), ("email", "wang@ntnu.edu.tw"), ("affiliation", "大學"), ("school", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
}

/// The make form's hidden fields, or None when there is nothing to make.
fn make_form(page: &crate::support::Page) -> Option<(String, String)> {
    let version = page.attrs("form[action='/office/outcomes/certificates'] input[name=version]", "value");
    let fingerprint = page.attrs("form[action='/office/outcomes/certificates'] input[name=fingerprint]", "value");
    Some((version.into_iter().next()?, fingerprint.into_iter().next()?))
}

/// The text of a PDF as poppler reads it (None where poppler is not installed, outside CI).
pub(crate) fn pdf_text(bytes: &[u8]) -> Option<String> {
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    let file = std::env::temp_dir().join(format!("linxuan-outcomes-{}-{}.pdf", std::process::id(), bytes.len()));
    std::fs::write(&file, bytes).unwrap();
    let out = std::process::Command::new("pdftotext").arg("-layout").arg(&file).arg("-").output();
    std::fs::remove_file(&file).ok();
    match out {
        Ok(out) => {
            assert!(out.status.success() && out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
            Some(String::from_utf8_lossy(&out.stdout).chars().filter(|c| !c.is_whitespace()).collect())
        }
        Err(_) if std::env::var("CI").as_deref() != Ok("true") => None,
        Err(e) => panic!("pdftotext is needed under CI (poppler-utils): {e}"),
    }
}

async fn register(app: &TestApp) -> Vec<(i64, String, String, Option<String>)> {
    use sea_orm::{ConnectionTrait, Statement};
    let rows = app
        .state
        .db
        .query_all_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT seq, number, recipient, void_reason FROM certificates ORDER BY seq".to_string(),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get_by_index::<i64>(0).unwrap(),
                r.try_get_by_index::<String>(1).unwrap(),
                r.try_get_by_index::<String>(2).unwrap(),
                r.try_get_by_index::<Option<String>>(3).unwrap(),
            )
        })
        .collect()
}

async fn certificates_are_numbered_for_good(app: TestApp) {
    let (admin, imported) = published(&app).await;
    let links = imported.attrs("input.link-box", "value");
    let page = admin.get("/office/outcomes").await;
    assert_eq!(page.status, StatusCode::OK);
    // Three awards; the head's name is not set: nothing can be made yet, and the page says why.
    assert!(page.has("應製作 3 張獎狀"), "{}", page.body);
    assert!(page.texts("#outcome-problems li.blocking").iter().any(|p| p.contains("首長姓名")), "{}", page.body);
    assert!(make_form(&page).is_none(), "no make button while a blocking problem stands");
    let refused = admin.post("/office/outcomes/certificates", &[("version", "1"), ("fingerprint", "x")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("certificates").await, 0, "nothing numbered");
    // Downloads before anything is made say what to do.
    let (status, _) = admin.get_bytes("/office/outcomes/certificates.pdf").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    set_plan(&admin, "awards", &[("s:outcomes.head_name", "范○○"), ("s:outcomes.date_style", "chinese")]).await;
    let page = admin.get("/office/outcomes").await;
    let (version, fingerprint) = make_form(&page).expect("the make form");
    assert!(page.has("中華民國一一二年七月七日"), "the presentation day, written in numerals: {}", page.body);
    // The preview is a watermarked PDF of all three, numbers still to be given.
    let (status, preview) = admin.get_bytes("/office/outcomes/preview.pdf").await;
    assert_eq!(status, StatusCode::OK);
    if let Some(text) = pdf_text(&preview) {
        assert!(text.contains("文昌一") && text.contains("建國一") && text.contains("青溪一"), "{text}");
        assert!(text.contains("製作時編號"), "{text}");
    }
    let made =
        admin.post("/office/outcomes/certificates", &[("version", &version), ("fingerprint", &fingerprint)]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let first = register(&app).await;
    let numbers: Vec<&str> = first.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(numbers, ["桃教專字第1120001號", "桃教專字第1120002號", "桃教專字第1120003號"]);
    // Making again (the same preview) changes nothing.
    let again =
        admin.post("/office/outcomes/certificates", &[("version", &version), ("fingerprint", &fingerprint)]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(register(&app).await, first, "making twice gives the same numbers");
    let page = admin.get("/office/outcomes").await;
    assert!(make_form(&page).is_none(), "nothing left to make");

    // The merged PDF has every certificate, each with its number, the issuer, the head and
    // the date as officials write it.
    let (status, all) = admin.get_bytes("/office/outcomes/certificates.pdf").await;
    assert_eq!(status, StatusCode::OK);
    if let Some(text) = pdf_text(&all) {
        for expected in [
            "桃教專字第1120001號",
            "桃教專字第1120003號",
            "文昌國中「文昌一」",
            "國中組特優",
            "國中組甲等",
            "桃園市政府教育局",
            "范○○",
            "中華民國一一二年七月七日",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
    }
    // The trophy maker's list: the special award only.
    let (status, xlsx) = admin.get_bytes("/office/outcomes/trophies.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = book.worksheet_range("獎座").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0], ["學校", "社群", "組別", "獎項", "題字"]);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][..4], ["文昌國中", "文昌一", "國中組", "特優"]);
    assert!(rows[1][4].contains("文昌國中「文昌一」榮獲111學年度") && rows[1][4].contains("桃園市政府教育局"));

    // Each convener downloads their own certificate only.
    let j1 = sign_in(&app, &links[0], "甲老師").await;
    let j2 = sign_in(&app, &links[1], "乙老師").await;
    let j1_id = crate::community::community_id(&j1).await;
    let results = j1.get(&format!("/community/{j1_id}/results")).await;
    assert!(results.has("桃教專字第1120001號"), "{}", results.body);
    let (status, mine) = j1.get_bytes(&format!("/community/{j1_id}/certificate")).await;
    assert_eq!(status, StatusCode::OK);
    if let Some(text) = pdf_text(&mine) {
        assert!(text.contains("桃教專字第1120001號") && !text.contains("建國一"), "{text}");
    }
    assert_eq!(j2.get_bytes(&format!("/community/{j1_id}/certificate")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(j1.get_bytes("/office/outcomes/certificates.pdf").await.0, StatusCode::FORBIDDEN);

    // A revocation: the register is behind until the office makes them again, then J3's number
    // is void (kept, never reused) and the certificate is gone from J3's account.
    let revoked = admin.post("/office/review/revoke", &[("community", "J3"), ("reason", "違反著作權")]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.get_bytes("/office/outcomes/certificates.pdf").await.0, StatusCode::BAD_REQUEST);
    // J1's own certificate is unaffected: its convener still gets it.
    assert_eq!(j1.get_bytes(&format!("/community/{j1_id}/certificate")).await.0, StatusCode::OK);
    let page = admin.get("/office/outcomes").await;
    assert!(page.has("公告後已撤銷獎項") && page.has("青溪一"), "{}", page.body);
    let (version, fingerprint) = make_form(&page).unwrap();
    // A publication after the preview: the preview is stale, nothing is made.
    let republished = admin.post("/office/review/publish", &[("note", "撤銷後"), ("unfinished", "1")]).await;
    assert_eq!(republished.status, StatusCode::SEE_OTHER);
    let stale =
        admin.post("/office/outcomes/certificates", &[("version", &version), ("fingerprint", &fingerprint)]).await;
    assert_eq!(stale.status, StatusCode::BAD_REQUEST);
    assert!(stale.has("第 1 版") && stale.has("第 2 版"), "{}", stale.body);
    assert_eq!(register(&app).await, first);
    let (version, fingerprint) = make_form(&admin.get("/office/outcomes").await).unwrap();
    let made =
        admin.post("/office/outcomes/certificates", &[("version", &version), ("fingerprint", &fingerprint)]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let after = register(&app).await;
    assert_eq!(after.len(), 3);
    assert_eq!(after[2].3.as_deref(), Some("withdrawn"), "J3's number is void: {after:?}");

    // A correction of the wording: every certificate is reissued under a new number, each
    // recording the one it replaces; no number is used twice.
    set_plan(
        &admin,
        "awards",
        &[(
            "s:outcomes.certificate_text",
            "{school}「{community}」榮獲{year}學年度教師專業學習社群績優社群遴選{group}{award}，特頒此狀。",
        )],
    )
    .await;
    assert_eq!(
        j1.get_bytes(&format!("/community/{j1_id}/certificate")).await.0,
        StatusCode::BAD_REQUEST,
        "a certificate whose text is being corrected is not handed out"
    );
    let (version, fingerprint) = make_form(&admin.get("/office/outcomes").await).unwrap();
    admin.post("/office/outcomes/certificates", &[("version", &version), ("fingerprint", &fingerprint)]).await;
    assert_eq!(
        j1.get_bytes(&format!("/community/{j1_id}/certificate")).await.0,
        StatusCode::OK,
        "the corrected one is"
    );
    let corrected = register(&app).await;
    let numbers: Vec<&str> = corrected.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(
        numbers,
        [
            "桃教專字第1120001號",
            "桃教專字第1120002號",
            "桃教專字第1120003號",
            "桃教專字第1120004號",
            "桃教專字第1120005號"
        ]
    );
    assert_eq!(corrected[0].3.as_deref(), Some("corrected"));
    assert_eq!(corrected[1].3.as_deref(), Some("corrected"));
    assert_eq!(corrected[3].2, "community:J1");
    let page = admin.get("/office/outcomes").await;
    assert!(page.has("換發 桃教專字第1120001號"), "the register says which it replaces: {}", page.body);
    let j3_results = sign_in(&app, &links[2], "丙老師").await;
    let j3_id = crate::community::community_id(&j3_results).await;
    assert_eq!(j3_results.get_bytes(&format!("/community/{j3_id}/certificate")).await.0, StatusCode::BAD_REQUEST);
}

/// A name with a character no font has: the page names the character and the community, and
/// nothing is numbered.
async fn a_character_no_font_has_refuses_the_certificate(app: TestApp) {
    let admin = app.admin().await;
    admin.upload("/office/schools/import", "s.csv", SCHOOLS.as_bytes().to_vec()).await;
    let communities = COMMUNITIES.replace("文昌一", "文昌\u{30000}一");
    let imported = admin.upload("/office/communities/import", "c.csv", communities.into_bytes()).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    add_reviewer(&admin).await;
    admin.upload("/office/review/import", "s.csv", SCORES.as_bytes().to_vec()).await;
    admin.post("/office/review/publish", &[("note", "公告"), ("unfinished", "1")]).await;
    set_plan(&admin, "awards", &[("s:outcomes.head_name", "范○○")]).await;
    let page = admin.get("/office/outcomes").await;
    let problems = page.texts("#outcome-problems li.blocking");
    assert!(
        problems.iter().any(|p| p.contains("J1") && p.contains("U+30000") && p.contains("字型沒有的字")),
        "{problems:?}"
    );
    assert!(make_form(&page).is_none());
    let refused = admin.post("/office/outcomes/certificates", &[("version", "1"), ("fingerprint", "x")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("certificates").await, 0);
    assert_eq!(admin.get_bytes("/office/outcomes/trophies.xlsx").await.0, StatusCode::BAD_REQUEST);
}

async fn the_programme_and_handbook_follow_the_results(app: TestApp) {
    let admin = app.admin().await;
    admin.upload("/office/schools/import", "s.csv", SCHOOLS.as_bytes().to_vec()).await;
    let imported = admin.upload("/office/communities/import", "c.csv", COMMUNITIES.as_bytes().to_vec()).await;
    add_reviewer(&admin).await;
    admin.upload("/office/review/import", "s.csv", SCORES.as_bytes().to_vec()).await;
    let visitor = app.client();
    let before = visitor.get("/event/111").await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(before.has("112年7月7日(星期五)") && before.has("分享團隊於遴選結果公告後列出"), "{}", before.body);
    assert_eq!(admin.get_bytes("/office/event/handbook.pdf").await.0, StatusCode::BAD_REQUEST);
    let page = admin.post("/office/review/publish", &[("note", "公告"), ("unfinished", "1")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let links = imported.attrs("input.link-box", "value");
    let j1 = sign_in(&app, &links[0], "甲老師").await;
    let id = crate::community::community_id(&j1).await;
    j1.post(&format!("/community/{id}/summary"), &[("summary", "三年共備，從備課到公開觀課。")]).await;
    j1.post(&format!("/community/{id}/consent"), &[("consent", "yes")]).await;
    let after = visitor.get("/event/111").await;
    let slot = after.row("08:30–09:30").unwrap_or_default();
    assert!(slot.contains("文昌國中「文昌一」") && !slot.contains("建國一"), "the special-award team shares: {slot}");
    assert!(!after.has("分享團隊於遴選結果公告後列出"));
    assert!(admin.get("/office/event").await.has("/office/event/handbook.pdf"));
    let (status, pdf) = admin.get_bytes("/office/event/handbook.pdf").await;
    assert_eq!(status, StatusCode::OK);
    if let Some(text) = pdf_text(&pdf) {
        for expected in [
            "成果發表會手冊",
            "112年7月7日(星期五)",
            "桃園市西門國小",
            "國中組：文昌國中「文昌一」",
            "建國一",
            "青溪一",
            "三年共備，從備課到公開觀課。",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
    }
}

async fn the_budget_counts_what_was_done(app: TestApp) {
    let (admin, _) = published(&app).await;
    let page = admin.get("/office/budget").await;
    assert_eq!(page.status, StatusCode::OK);
    let basic = page.html();
    let rows: Vec<String> = basic
        .select(&scraper::Selector::parse("#t-basic-selection tbody tr").unwrap())
        .map(|r| r.text().collect::<Vec<_>>().join(" "))
        .collect();
    // 初審: three paper scores × NT$100; the special award's trophy: one × NT$2,500.
    assert!(rows[0].contains("300") && rows[0].contains("3 × 100"), "{rows:?}");
    assert!(rows[5].contains("2,500") && rows[5].contains("1 × 2,500"), "{rows:?}");
    assert!(page.has("概算 80,000 元，實支 2,800 元，尚餘 77,200 元"), "{}", page.body);
    // The office enters what the system cannot count; a counted line and a bad amount are refused.
    let saved = admin.post("/office/budget/basic-selection/3", &[("amount", "4,800"), ("note", "成果冊印刷")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let counted = admin.post("/office/budget/basic-selection/0", &[("amount", "1"), ("note", "")]).await;
    assert_eq!(counted.status, StatusCode::BAD_REQUEST);
    let bad = admin.post("/office/budget/basic-selection/3", &[("amount", "四千"), ("note", "")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.has("不是金額"), "{}", bad.body);
    let over = admin.post("/office/budget/basic-selection/2", &[("amount", "5000"), ("note", "多跑一趟")]).await;
    assert_eq!(over.status, StatusCode::SEE_OTHER);
    let page = admin.get("/office/budget").await;
    assert!(page.has("實支 12,600 元，尚餘 67,400 元"), "{}", page.body);
    assert_eq!(page.texts("#t-basic-selection tr.over").len(), 1, "交通費 5,000 > 4,000 is marked");
    assert!(admin.get("/office/audit").await.has("填寫經費實支"));
    // Printed: the bureau's columns, the actual beside the estimate, the signature row.
    let (status, pdf) = admin.get_bytes("/office/budget.pdf").await;
    assert_eq!(status, StatusCode::OK);
    if let Some(text) = pdf_text(&pdf) {
        for expected in
            ["績優社群(初階)遴選經費概算表", "承辦人", "單位主管", "會計主任", "校長", "尚餘67,400元", "▲5,000"]
        {
            assert!(text.contains(expected), "{expected} in {text}");
        }
    }
    let (status, xlsx) = admin.get_bytes("/office/budget.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = book.worksheet_range("績優社群(初階)遴選經費概算表").unwrap();
    let rows: Vec<Vec<calamine::Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows[1][5], calamine::Data::Float(22_000.0), "estimates are numbers");
    assert_eq!(rows[1][6], calamine::Data::Float(300.0), "actuals are numbers");
    assert!(
        rows.iter().any(|r| r.iter().any(|c| *c == calamine::Data::String("會計主任".into()))),
        "the signature row"
    );
}

async fn the_roster_lists_commendations_for_the_office_only(app: TestApp) {
    let (admin, imported) = published(&app).await;
    let links = imported.attrs("input.link-box", "value");
    let j1 = sign_in(&app, &links[0], "甲老師").await;
    let id = crate::community::community_id(&j1).await;
    // A member with a title and an ID; the convener has neither yet.
    let added = j1
        .post(
            &format!("/community/{id}/members"),
            &[("name", "王小明"), ("title", "教師"), ("email", ""), ("national_id", "A123456789")],
        )
        .await;
    assert!(added.status.is_redirection(), "{}", added.body);
    // Staff: one for a commendation with an ID, one for a certificate; a bad ID is refused.
    let bad = admin
        .post(
            "/office/outcomes/staff",
            &[
                ("name", "李主任"),
                ("school", "西門國小"),
                ("title", "教務主任"),
                ("national_id", "A12345678X"),
                ("commendation", "1"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("staff").await, 0);
    let ok = admin
        .post(
            "/office/outcomes/staff",
            &[
                ("name", "李主任"),
                ("school", "西門國小"),
                ("title", "教務主任"),
                ("national_id", "B223456782"),
                ("commendation", "1"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = admin.get("/office/outcomes").await;
    assert!(page.has("名冊共 3 人"), "{}", page.body);
    let gaps = page.texts("#roster-gaps li");
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(gaps[0].contains("甲老師") && gaps[0].contains("職稱") && gaps[0].contains("身分證字號"), "{gaps:?}");
    assert!(
        !page.has("A123456789") && page.has("A12****789") || !page.has("A123456789"),
        "the page never shows a full ID"
    );
    // The plan provides 4 staff commendations and 2 certificates: the page says what is entered.
    assert!(page.has("計畫核定工作人員嘉獎 4 人，目前登錄 1 人"), "{}", page.body);

    let (status, xlsx) = admin.get_bytes("/office/outcomes/roster.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = book.worksheet_range("敘獎名冊").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0], ["編號", "學校", "職稱", "姓名", "身分證字號", "獎度", "事由", "依據"]);
    let wang = rows.iter().find(|r| r[3] == "王小明").expect("the member");
    assert_eq!(wang[1], "文昌國中");
    assert_eq!(wang[4], "A123456789", "the full ID in the office's export");
    assert_eq!(wang[5], "嘉獎1次");
    assert_eq!(wang[6], "擔任111學年度教師專業學習社群「文昌一」成員，榮獲國中組特優");
    assert!(wang[7].contains("111學年度"));
    let convener = rows.iter().find(|r| r[3] == "甲老師").expect("the convener");
    assert!(convener[6].contains("「文昌一」召集人"));
    let staff = rows.iter().find(|r| r[3] == "李主任").expect("the staff member");
    assert_eq!(staff[4], "B223456782");
    assert!(staff[6].starts_with("承辦111學年度"));
    assert!(!rows.iter().any(|r| r[3].contains("乙老師")), "優等 brings no commendation");
    let audit = admin.get("/office/audit").await;
    assert!(audit.has("匯出敘獎名冊"), "every export is in the audit log");
    // Nobody else gets it.
    assert_eq!(j1.get_bytes("/office/outcomes/roster.xlsx").await.0, StatusCode::FORBIDDEN);
    assert!(app.client().get("/office/outcomes/roster.xlsx").await.location.is_some_and(|l| l.starts_with("/login")));
}

async fn the_showcase_shows_only_what_is_consented(app: TestApp) {
    let (admin, imported) = published(&app).await;
    let links = imported.attrs("input.link-box", "value");
    let j1 = sign_in(&app, &links[0], "甲老師").await;
    let id = crate::community::community_id(&j1).await;
    j1.post(
        &format!("/community/{id}/members"),
        &[("name", "王小明"), ("title", "教師"), ("email", "wang@school.tyc.edu.tw"), ("national_id", "A123456789")],
    )
    .await;
    let up = j1
        .upload(
            &format!("/community/{id}/files?category=report&key=show-{id}-000000000001"),
            "report.pdf",
            crate::community::pdf(3_000),
        )
        .await;
    assert!(up.status.is_redirection(), "{}", up.body);
    j1.post(&format!("/community/{id}/links"), &[("url", "https://youtu.be/abc123"), ("title", "共備影片")]).await;
    j1.post(&format!("/community/{id}/summary"), &[("summary", "我們一起設計閱讀課程。")]).await;

    let visitor = app.client();
    let index = visitor.get("/showcase").await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.has("111學年度得獎社群"), "{}", index.body);
    let year = visitor.get("/showcase/111").await;
    assert_eq!(year.status, StatusCode::OK);
    for expected in ["文昌一", "文昌國中", "中壢區", "甲老師", "建國一", "青溪一"] {
        assert!(year.has(expected), "{expected}: {}", year.body);
    }
    assert!(!year.has("文昌二"), "no award, not shown");
    assert!(!year.has("王小明") && !year.has("@school") && !year.has("A12"), "nothing personal");
    // Without consent: the award only.
    let page = visitor.get("/showcase/111/J1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.has("這個社群的成果未公開") && !page.has("我們一起設計閱讀課程"), "{}", page.body);
    assert!(page.html().select(&scraper::Selector::parse("meta[name=description]").unwrap()).next().is_some());
    // Consent, and the office approves the report: the summary, the file and the video show.
    let consent = j1.post(&format!("/community/{id}/consent"), &[("consent", "yes")]).await;
    assert!(consent.status.is_redirection(), "{}", consent.body);
    let doc = app.count("documents").await;
    assert_eq!(doc, 1);
    let office_view = admin.get("/office/outcomes/showcase").await;
    let approve = office_view.form_action("form.inline").expect("an approve form");
    let approved = admin.post(&approve, &[("public", "1")]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let page = visitor.get("/showcase/111/J1").await;
    assert!(
        page.has("我們一起設計閱讀課程") && page.has("共備影片") && page.has("https://youtu.be/abc123"),
        "{}",
        page.body
    );
    let file = page.attrs("a", "href").into_iter().find(|h| h.contains("/files/")).expect("the approved file");
    let (status, bytes) = visitor.get_bytes(&file).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, crate::community::pdf(3_000));
    assert!(!page.has("王小明") && !page.has("wang@school"), "nothing personal");
    // Searching.
    assert!(visitor.get("/showcase/111?q=%E9%96%B1%E8%AE%80").await.has("文昌一"), "the summary is searched (閱讀)");
    let none = visitor.get("/showcase/111?q=zzz").await;
    assert!(none.has("找到 0 個社群") && !none.has("文昌一"));
    let district = visitor.get("/showcase/111?district=%E4%B8%AD%E5%A3%A2%E5%8D%80").await;
    assert!(district.has("文昌一") && !district.has("建國一"), "by district (中壢區)");

    // Cacheable: no cookie for a visitor, an ETag, 304 when unchanged.
    let response = visitor.http().get(visitor.url("/showcase/111/J1")).send().await.unwrap();
    assert!(response.headers().get("set-cookie").is_none(), "a public page starts no session");
    assert_eq!(response.headers()["cache-control"], "public, no-cache");
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let again =
        visitor.http().get(visitor.url("/showcase/111/J1")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // A new version of the approved file is not what the office approved: off until approved.
    let again = j1
        .upload(
            &format!("/community/{id}/files?category=report&key=show-{id}-000000000002"),
            "report.pdf",
            crate::community::pdf(3_500),
        )
        .await;
    assert!(again.status.is_redirection(), "{}", again.body);
    assert!(!visitor.get("/showcase/111/J1").await.has("/files/"), "a new version needs approving again");
    let approved = admin.post(&approve, &[("public", "1")]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    assert_eq!(visitor.get_bytes(&file).await.1, crate::community::pdf(3_500), "the approved version");

    // Consent withdrawn: gone at once, the file too.
    j1.post(&format!("/community/{id}/consent"), &[("consent", "no")]).await;
    let page = visitor.get("/showcase/111/J1").await;
    assert!(!page.has("我們一起設計閱讀課程") && !page.has("共備影片"), "{}", page.body);
    assert_eq!(visitor.get_bytes(&file).await.0, StatusCode::NOT_FOUND);
    let stale =
        visitor.http().get(visitor.url("/showcase/111/J1")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(stale.status(), StatusCode::OK, "the old copy is no longer current");
    // A year without results, an unknown community.
    assert_eq!(visitor.get("/showcase/110").await.status, StatusCode::NOT_FOUND);
    assert_eq!(visitor.get("/showcase/111/J4").await.status, StatusCode::NOT_FOUND);
}

async fn lecturer_requests_need_the_mailed_link(app: TestApp, sink: SmtpSink) {
    let admin = app.admin().await;
    admin.upload("/office/schools/import", "s.csv", SCHOOLS.as_bytes().to_vec()).await;
    admin.upload("/office/communities/import", "c.csv", COMMUNITIES.as_bytes().to_vec()).await;
    add_reviewer(&admin).await;
    let page = admin.upload("/office/review/import", "s.csv", SCORES.as_bytes().to_vec()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let invitation = sink
        .messages()
        .into_iter()
        .map(|m| mail_text(&m))
        .find(|m| m.contains("j1@school.tyc.edu.tw"))
        .expect("J1's convener is invited by mail");
    let link = invitation.split_whitespace().find(|w| w.contains("/invite/")).unwrap().to_string();
    let j1 = sign_in(&app, &link, "甲老師").await;
    let id = crate::community::community_id(&j1).await;
    // Before publication there is nothing to sign up for.
    let refused = j1.post(&format!("/community/{id}/lecturer"), &[("listed", "1"), ("topic", "共備")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    admin.post("/office/review/publish", &[("note", "公告"), ("unfinished", "1")]).await;
    let visitor = app.client();
    assert!(visitor.get("/lecturers").await.has("0 位講師"), "nobody listed without opting in");
    let missing = j1.post(&format!("/community/{id}/lecturer"), &[("listed", "1"), ("topic", "")]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let listed = j1
        .post(
            &format!("/community/{id}/lecturer"),
            &[("listed", "1"), ("topic", "跨校共備的第一步"), ("intro", "國中國文教師，帶領社群三年。")],
        )
        .await;
    assert_eq!(listed.status, StatusCode::SEE_OTHER, "{}", listed.body);
    let directory = visitor.get("/lecturers").await;
    assert!(directory.has("甲老師") && directory.has("跨校共備的第一步"), "{}", directory.body);
    assert!(!directory.has("j1@school.tyc.edu.tw"), "never the lecturer's address");
    let lecturer =
        directory.attrs("a", "href").into_iter().find(|h| h.starts_with("/lecturers/") && !h.contains('#')).unwrap();
    let page = visitor.get(&lecturer).await;
    assert!(!page.has("j1@school.tyc.edu.tw"));
    let school = page
        .html()
        .select(&scraper::Selector::parse("#v-school option").unwrap())
        .find(|o| o.text().collect::<String>() == "西門國小")
        .and_then(|o| o.value().attr("value").map(str::to_string))
        .unwrap();
    // A bad request keeps what was typed and names the field.
    let bad = visitor
        .post(
            &lecturer,
            &[
                ("name", "林主任"),
                ("school", ""),
                ("email", "lin@school.tyc.edu.tw"),
                ("dates", "9月"),
                ("topic", "共備"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.has("請從名單選擇學校") && bad.has("lin@school.tyc.edu.tw"), "{}", bad.body);
    let before = sink.messages().len();
    let sent = visitor
        .post(
            &lecturer,
            &[
                ("name", "林主任"),
                ("school", &school),
                ("email", "lin@school.tyc.edu.tw"),
                ("dates", "112年9月15日下午"),
                ("topic", "社群如何開始"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(sent.has("lin@school.tyc.edu.tw"));
    // Nothing reaches the lecturer before the requester confirms.
    let mine = j1.get(&format!("/community/{id}/lecturer")).await;
    assert!(!mine.has("林主任"), "unconfirmed requests are not shown");
    let messages = sink.messages();
    assert_eq!(messages.len(), before + 1, "one mail, to the requester");
    let confirmation = mail_text(messages.last().unwrap());
    assert!(confirmation.contains("lin@school.tyc.edu.tw"));
    let confirm = confirmation.split_whitespace().find(|w| w.contains("/lecturers/confirm/")).unwrap().to_string();
    let confirm = path_of(&confirm);
    let page = visitor.get(&confirm).await;
    assert!(page.has("確認並送出給講師"), "{}", page.body);
    let done = visitor.post(&confirm, &[]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.has("待講師回覆"));
    let notice = mail_text(sink.messages().last().unwrap());
    assert!(notice.contains("j1@school.tyc.edu.tw") && notice.contains("林主任"), "the lecturer is told: {notice}");
    // Confirming twice does not tell the lecturer twice.
    let count = sink.messages().len();
    visitor.post(&confirm, &[]).await;
    assert_eq!(sink.messages().len(), count);
    // The lecturer accepts; both sides are told.
    let mine = j1.get(&format!("/community/{id}/lecturer")).await;
    assert!(mine.has("林主任") && mine.has("112年9月15日下午"), "{}", mine.body);
    let answer = mine.form_action("#requests form").unwrap();
    let accepted = j1.post(&answer, &[("answer", "accept"), ("response", "好的，請來信確認。")]).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let last: Vec<String> = sink.messages()[count..].iter().map(|m| mail_text(m)).collect();
    assert!(last.iter().any(|m| m.contains("lin@school.tyc.edu.tw") && m.contains("接受")), "{last:?}");
    assert!(last.iter().any(|m| m.contains("j1@school.tyc.edu.tw")), "{last:?}");
    let to_school = last.iter().find(|m| m.contains("林主任 您好")).expect("the school is told");
    assert!(!to_school.contains("j1@school"), "the school never gets the lecturer's address: {to_school}");
    assert_eq!(j1.post(&answer, &[("answer", "decline")]).await.status, StatusCode::BAD_REQUEST, "answered once");
    let office = admin.get("/office/outcomes/lecturers").await;
    assert!(office.has("林主任") && office.has("已接受"), "{}", office.body);
    // The form is rate-limited per client.
    let mut last_status = StatusCode::OK;
    for i in 0..6 {
        let email = format!("school{i}@school.tyc.edu.tw");
        last_status = visitor
            .post(
                &lecturer,
                &[("name", "某老師"), ("school", &school), ("email", &email), ("dates", "10月"), ("topic", "共備")],
            )
            .await
            .status;
    }
    assert_eq!(last_status, StatusCode::TOO_MANY_REQUESTS);
    // A request still unconfirmed when its lecturer leaves the list is not sent (a quarter of
    // an hour later: the limit has passed).
    {
        use linxuan_core::time::Clock;
        app.clock.set(app.clock.now() + chrono::Duration::minutes(16));
    }
    let pending = visitor
        .post(
            &lecturer,
            &[
                ("name", "陳組長"),
                ("school", &school),
                ("email", "chen@school.tyc.edu.tw"),
                ("dates", "11月"),
                ("topic", "共備"),
            ],
        )
        .await;
    assert_eq!(pending.status, StatusCode::OK, "{}", pending.body);
    let late = mail_text(sink.messages().last().unwrap());
    let late = path_of(late.split_whitespace().find(|w| w.contains("/lecturers/confirm/")).unwrap());
    // Unlisting takes the lecturer off the directory at once.
    j1.post(&format!("/community/{id}/lecturer"), &[("topic", "跨校共備的第一步")]).await;
    let refused = visitor.post(&late, &[]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(!visitor.get("/lecturers").await.has("甲老師"));
    assert_eq!(visitor.get(&lecturer).await.status, StatusCode::NOT_FOUND);
}

backends!(
    certificates_are_numbered_for_good,
    a_character_no_font_has_refuses_the_certificate,
    the_budget_counts_what_was_done,
    the_programme_and_handbook_follow_the_results,
    the_roster_lists_commendations_for_the_office_only,
    the_showcase_shows_only_what_is_consented
);
backends_with_mail!(lecturer_requests_need_the_mailed_link);
