//! The review over HTTP: conflicts, balanced assignment, phase windows, score versions, the
//! cut with ties, results equal to `linxuan allocate`, publication and what communities see.

use chrono::NaiveDate;
use linxuan_core::time::{Clock, taipei};
use reqwest::StatusCode;

use crate::backends;
use crate::support::{Client, TestApp};

const SCHOOLS: &str = "code,name,level,district\n034750,西門國小,國小,桃園區\n034601,文昌國中,國中,桃園區\n034602,建國國中,國中,桃園區\n034603,青溪國中,國中,桃園區\n";
const COMMUNITIES: &str = "code,school,track,group,name,convener,email\n\
J1,034601,basic,basic-junior,文昌一,甲,j1@school.tyc.edu.tw\n\
J2,034602,basic,basic-junior,建國一,乙,j2@school.tyc.edu.tw\n\
J3,034603,basic,basic-junior,青溪一,丙,j3@school.tyc.edu.tw\n\
J4,034601,basic,basic-junior,文昌二,丁,j4@school.tyc.edu.tw\n";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The value of the first `<option>` on `page` whose label contains `label`.
fn option_value(page: &str, label: &str) -> String {
    page.split("<option value=\"")
        .skip(1)
        .find_map(|o| {
            let (value, rest) = o.split_once('"')?;
            let text = rest.split_once('>')?.1.split("</option>").next()?;
            text.contains(label).then(|| value.to_string())
        })
        .unwrap_or_else(|| panic!("no option labelled {label}: {page}"))
}

/// The office with schools, four junior-high communities and three reviewers (one of them works
/// at 文昌國中). Returns the office and the reviewers' signed-in clients, by name.
async fn setup(app: &TestApp) -> (Client, Vec<(String, Client)>) {
    setup_with(app, COMMUNITIES).await
}

async fn setup_with(app: &TestApp, communities: &str) -> (Client, Vec<(String, Client)>) {
    let admin = app.admin().await;
    admin.upload("/office/schools/import", "s.csv", SCHOOLS.as_bytes().to_vec()).await;
    let page = admin.upload("/office/communities/import", "c.csv", communities.as_bytes().to_vec()).await;
    assert!(page.has("新增 4 個社群"), "{}", page.body);
    let schools = admin.get("/office/review/reviewers").await;
    let wenchang = option_value(&schools.body, "文昌國中");
    let mut reviewers = Vec::new();
    for (name, email, school) in [
        ("王教授", "wang@ntnu.edu.tw", ""),
        ("李校長", "lee@school.tyc.edu.tw", wenchang.as_str()),
        ("陳教授", "chen@ncu.edu.tw", ""),
    ] {
        let page = admin
            .post(
                "/office/review/reviewers",
                &[("name", name), ("email", email), ("affiliation", "大學"), ("school", school)],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let link = page.find_link("/invite/").expect("the link is shown without SMTP");
        let client = app.client();
        let ok = client
            .post(&link, &[("name", name), ("password", "reviewing 12345"), ("confirm", "reviewing 12345")])
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        reviewers.push((name.to_string(), client));
    }
    (admin, reviewers)
}

/// The reviewer's assignment links on /review.
async fn my_assignments(client: &Client) -> Vec<String> {
    let page = client.get("/review").await;
    let mut out = Vec::new();
    let mut rest = page.body.as_str();
    while let Some(i) = rest.find("href=\"/review/a/") {
        let start = i + 6;
        let end = rest[start..].find('"').unwrap();
        out.push(rest[start..start + end].to_string());
        rest = &rest[start + end..];
    }
    out
}

fn indicator_fields(score: &str) -> Vec<(String, String)> {
    ["operation", "co-planning", "observation", "debrief", "materials", "student-learning", "reflection", "sharing"]
        .iter()
        .map(|i| (format!("i.{i}"), score.to_string()))
        .collect()
}

async fn assignment_is_balanced_and_avoids_conflicts(app: TestApp) {
    let (admin, reviewers) = setup(&app).await;
    let page = admin.post("/office/review/assign/round-1/auto", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let matrix = admin.get("/office/review/assign/round-1").await;
    assert!(matrix.has("已新增 4 筆指派"), "{}", matrix.body);
    let mut loads = Vec::new();
    for (name, client) in &reviewers {
        let mine = my_assignments(client).await;
        let page = client.get("/review").await;
        if name == "李校長" {
            assert!(!page.has("文昌一") && !page.has("文昌二"), "never their own school");
        }
        loads.push(mine.len());
    }
    loads.sort();
    assert_eq!(loads.iter().sum::<usize>(), 4);
    assert!(loads[2] - loads[0] <= 1, "balanced: {loads:?}");
    // Running it again adds nothing: everything is assigned and kept.
    admin.post("/office/review/assign/round-1/auto", &[]).await;
    assert!(admin.get("/office/review/assign/round-1").await.has("已新增 0 筆指派"));
    assert_eq!(app.count("assignments").await, 4);
}

async fn a_conflict_closes_the_door_even_after_assignment(app: TestApp) {
    let (admin, reviewers) = setup(&app).await;
    app.clock.set(taipei(d(2023, 6, 14), 10, 0, 0));
    admin.post("/office/review/assign/round-1/auto", &[]).await;
    let (name, wang) = &reviewers[0];
    let links = my_assignments(wang).await;
    assert!(!links.is_empty(), "{name} has work");
    let link = links[0].clone();
    assert_eq!(wang.get(&link).await.status, StatusCode::OK);
    // Another reviewer's assignment is not theirs.
    let other = my_assignments(&reviewers[2].1).await;
    if let Some(o) = other.first() {
        assert_eq!(wang.get(o).await.status, StatusCode::FORBIDDEN);
    }
    // The reviewer declares a conflict: the community leaves their list, the URL is closed.
    let declared = wang.post(&format!("{link}/conflict"), &[("reason", "曾任該校顧問")]).await;
    assert_eq!(declared.status, StatusCode::SEE_OTHER);
    assert_eq!(wang.get(&link).await.status, StatusCode::FORBIDDEN);
    assert!(!my_assignments(wang).await.contains(&link));
    let saved = wang.post(&link, &[("action", "save"), ("comment", "x")]).await;
    assert_eq!(saved.status, StatusCode::FORBIDDEN, "nothing can be saved through a conflict");
    // The office cannot assign a conflicted pair by hand.
    let conflicts = admin.get("/office/review/conflicts").await;
    assert!(conflicts.has("曾任該校顧問") && conflicts.has("委員任職學校"));
    // A school recorded after the assignment closes the door too: 陳 is found to work at the
    // school of a community of theirs, and its direct URL is refused from then on.
    let (_, chen) = &reviewers[2];
    let chen_links = my_assignments(chen).await;
    let chen_link = chen_links.first().expect("陳 has work").clone();
    assert_eq!(chen.get(&chen_link).await.status, StatusCode::OK);
    let id: i32 = chen_link.rsplit('/').next().unwrap().parse().unwrap();
    let assignment = linxuan_store::review::assignment(&app.state.db, id).await.unwrap().unwrap();
    let community = linxuan_store::communities::get(&app.state.db, assignment.community_id).await.unwrap().unwrap();
    let updated = admin
        .post(
            &format!("/office/review/reviewers/{}", assignment.reviewer_id),
            &[("affiliation", "大學"), ("school", &community.school_id.to_string())],
        )
        .await;
    assert_eq!(updated.status, StatusCode::SEE_OTHER, "{}", updated.body);
    assert_eq!(chen.get(&chen_link).await.status, StatusCode::FORBIDDEN, "own school: refused by direct URL");
    assert!(!my_assignments(chen).await.contains(&chen_link), "and gone from the list");
    // Offices, conveners and the public do not get reviewer pages.
    assert_eq!(admin.get("/review").await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.client().get(&link).await.status, StatusCode::SEE_OTHER);
}

/// A conflict that comes to light after the reviewer scored (here added by the office): the
/// assignment is void. Its score counts nowhere, nobody waits for it, the matrix marks it, and
/// the office gets the community another reviewer, automatically or by a swap.
async fn a_conflict_found_after_scoring_voids_the_assignment(app: TestApp) {
    let (admin, reviewers) = setup(&app).await;
    app.clock.set(taipei(d(2023, 6, 14), 10, 0, 0));
    admin.post("/office/review/assign/round-1/auto", &[]).await;
    let (_, wang) = &reviewers[0];
    let link = my_assignments(wang).await[0].clone();
    let mut fields: Vec<(String, String)> = indicator_fields("7.5");
    fields.push(("c.completeness".into(), "20".into()));
    fields.push(("completeness_reason".into(), "簽到表不完整".into()));
    fields.push(("action".into(), "submit".into()));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(wang.post(&link, &refs).await.status, StatusCode::SEE_OTHER);
    assert!(admin.get("/office/review/board").await.has("57.50"), "the score counts before the conflict");

    let id: i32 = link.rsplit('/').next().unwrap().parse().unwrap();
    let assignment = linxuan_store::review::assignment(&app.state.db, id).await.unwrap().unwrap();
    let (community, wang_id) = (assignment.community_id.to_string(), assignment.reviewer_id.to_string());
    let added = admin
        .post(
            "/office/review/conflicts",
            &[("community", &community), ("reviewer", &wang_id), ("reason", "配偶任職該社群學校")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(wang.get(&link).await.status, StatusCode::FORBIDDEN, "the door closes");

    // The score counts nowhere: not on the board, not in the results.
    let board = admin.get("/office/review/board").await;
    assert!(!board.has("57.50"), "{}", board.body);
    let (status, csv) = admin.get_bytes("/office/review/results.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!String::from_utf8_lossy(&csv).contains("57.50"), "{}", String::from_utf8_lossy(&csv));
    // The matrix marks the void pair and does not count it.
    let matrix = admin.get("/office/review/assign/round-1").await;
    assert!(matrix.has("✗!"), "{}", matrix.body);
    // Removing it is refused (it holds a score, kept for the record), saying why.
    let removed =
        admin.post("/office/review/assign/round-1/remove", &[("community", &community), ("reviewer", &wang_id)]).await;
    assert_eq!(removed.status, StatusCode::BAD_REQUEST);
    assert!(removed.has("已因利益迴避失效"), "{}", removed.body);
    // Automatic assignment gives the community another reviewer and keeps the void record.
    let auto = admin.post("/office/review/assign/round-1/auto", &[]).await;
    assert_eq!(auto.status, StatusCode::SEE_OTHER, "{}", auto.body);
    assert!(admin.get("/office/review/assign/round-1").await.has("已新增 1 筆指派"));
    assert_eq!(app.count("assignments").await, 5);
    assert_eq!(app.count("score_versions").await, 1, "the void score and its version are kept");
    let (status, xlsx) = admin.get_bytes("/office/review/justification.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(xlsx.starts_with(b"PK"), "an XLSX workbook");
    if let Ok(path) = std::env::var("LINXUAN_TEST_SAVE_JUSTIFICATION") {
        std::fs::write(path, &xlsx).unwrap();
    }
    let year = assignment.plan_year;
    let all = linxuan_store::review::assignments_of_year(&app.state.db, year).await.unwrap();
    let replacement = all
        .iter()
        .find(|a| a.community_id == assignment.community_id && a.reviewer_id != assignment.reviewer_id)
        .expect("another reviewer");
    // Swapping the void reviewer for one who already reviews the community is refused as usual.
    let unused = admin
        .post(
            "/office/review/assign/round-1/swap",
            &[("community", &community), ("from", &wang_id), ("to", &replacement.reviewer_id.to_string())],
        )
        .await;
    assert_eq!(unused.status, StatusCode::BAD_REQUEST, "the replacement already reviews it: {}", unused.body);
}

/// A reviewer declares a conflict before any assignment, from the list of the year's communities.
async fn reviewers_declare_conflicts_before_assignment(app: TestApp) {
    let (admin, reviewers) = setup(&app).await;
    let (_, wang) = &reviewers[0];
    let (_, lee) = &reviewers[1];
    let page = wang.get("/review/conflicts").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.has("J2 建國一") && page.has("目前沒有"), "{}", page.body);
    // 李 works at 文昌國中: its communities are already excluded, and not offered.
    let lees = lee.get("/review/conflicts").await;
    assert!(lees.has("委員任職學校") && lees.has("J1 文昌一") && !lees.body.contains("\">J1 文昌一"), "{}", lees.body);
    let j2 = option_value(&page.body, "J2 ");
    assert_eq!(
        wang.post("/review/conflicts", &[("community", &j2), ("reason", "  ")]).await.status,
        StatusCode::BAD_REQUEST
    );
    let declared = wang.post("/review/conflicts", &[("community", &j2), ("reason", "曾任該社群顧問")]).await;
    assert_eq!(declared.status, StatusCode::SEE_OTHER, "{}", declared.body);
    let page = wang.get("/review/conflicts").await;
    assert!(page.has("曾任該社群顧問") && !page.body.contains(&format!("<option value=\"{j2}\">")), "{}", page.body);
    assert_eq!(
        wang.post("/review/conflicts", &[("community", &j2), ("reason", "again")]).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        wang.post("/review/conflicts", &[("community", "999999"), ("reason", "x")]).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(admin.get("/office/review/conflicts").await.has("曾任該社群顧問"), "the office sees it");
    assert_eq!(admin.get("/review/conflicts").await.status, StatusCode::FORBIDDEN, "reviewers only");
    // Automatic assignment keeps J2 away from 王.
    admin.post("/office/review/assign/round-1/auto", &[]).await;
    let id: i32 = j2.parse().unwrap();
    let year = linxuan_store::communities::get(&app.state.db, id).await.unwrap().unwrap().plan_year;
    let pairs = linxuan_store::review::assignments_of_year(&app.state.db, year).await.unwrap();
    let wang_id = pairs.iter().find(|a| a.community_id == id).map(|a| a.reviewer_id).expect("J2 is assigned");
    let me = linxuan_store::users::by_email(&app.state.db, "wang@ntnu.edu.tw").await.unwrap().unwrap();
    assert_ne!(wang_id, me.id, "J2 went to someone else");
}

async fn phases_open_and_close_by_date_and_by_the_office(app: TestApp) {
    let (admin, reviewers) = setup(&app).await;
    admin.post("/office/review/assign/round-1/auto", &[]).await;
    let (_, wang) = &reviewers[0];
    let link = my_assignments(wang).await[0].clone();
    app.clock.set(taipei(d(2023, 6, 12), 23, 0, 0));
    assert_eq!(
        wang.post(&link, &[("action", "save"), ("comment", "early")]).await.status,
        StatusCode::FORBIDDEN,
        "before the window"
    );
    let open = admin.post("/office/review/phase/round-1", &[("state", "open")]).await;
    assert_eq!(open.status, StatusCode::SEE_OTHER);
    assert_eq!(
        wang.post(&link, &[("action", "save"), ("comment", "early")]).await.status,
        StatusCode::SEE_OTHER,
        "the office opened it"
    );
    admin.post("/office/review/phase/round-1", &[("state", "auto")]).await;
    app.clock.set(taipei(d(2023, 6, 15), 23, 59, 59));
    assert_eq!(wang.post(&link, &[("action", "save"), ("comment", "last second")]).await.status, StatusCode::SEE_OTHER);
    admin.post("/office/review/phase/round-1", &[("state", "closed")]).await;
    assert_eq!(
        wang.post(&link, &[("action", "save"), ("comment", "too late")]).await.status,
        StatusCode::FORBIDDEN,
        "closed early"
    );
    assert!(admin.get("/office/audit").await.has("開放或關閉審查階段"));
}

async fn scores_are_submitted_once_and_changed_only_with_a_reason(app: TestApp) {
    let (admin, reviewers) = setup(&app).await;
    app.clock.set(taipei(d(2023, 6, 14), 10, 0, 0));
    admin.post("/office/review/assign/round-1/auto", &[]).await;
    let (_, wang) = &reviewers[0];
    let link = my_assignments(wang).await[0].clone();
    let page = wang.get(&link).await;
    assert!(page.has("系統建議") && page.has("運作與出席"), "the rubric and the suggestion are on the page");
    // Autosave keeps a draft.
    let token = wang.token().await;
    let _ = token;
    let draft = wang.post(&format!("{link}/draft"), &[("comment", "初步意見")]).await;
    assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
    assert!(wang.get(&link).await.has("初步意見"), "the draft comes back after a reload");
    // Submitting needs every indicator; the completeness differs from the suggestion: a reason.
    let mut fields: Vec<(String, String)> = indicator_fields("7.5");
    fields.push(("c.completeness".into(), "20".into()));
    fields.push(("comment".into(), "整體完整".into()));
    fields.push(("action".into(), "submit".into()));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let refused = wang.post(&link, &refs).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.has("請填寫理由"), "{}", refused.body);
    fields.push(("completeness_reason".into(), "簽到表不完整".into()));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let ok = wang.post(&link, &refs).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let board = admin.get("/office/review/board").await;
    // 7.5 × 8 / 80 × 50 = 37.5 richness; completeness 20; timeliness 0 (nothing uploaded).
    assert!(board.has("57.50"), "{}", board.body);
    // A change without a reason is refused; with one, it is version 2 and both are kept.
    let mut change = fields.clone();
    change.retain(|(k, _)| k != "comment");
    change.push(("comment".into(), "修正".into()));
    let refs: Vec<(&str, &str)> = change.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(wang.post(&link, &refs).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    change.push(("change_reason".into(), "補充評語".into()));
    let refs: Vec<(&str, &str)> = change.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(wang.post(&link, &refs).await.status, StatusCode::SEE_OTHER);
    let page = wang.get(&link).await;
    assert!(page.has("第 2 版") && page.has("補充評語"), "{}", page.body);
    let history = page.body.split("<li>v2 · ").nth(1).unwrap_or_default().split("</li>").next().unwrap_or_default();
    assert!(
        history.contains("完整性 20") && history.contains("豐富性 37.5"),
        "each version shows its scores: {history}"
    );
    assert_eq!(app.count("score_versions").await, 2);
    assert!(app.sql("DELETE FROM score_versions").await.is_err(), "history cannot be rewritten");
    // Autosave does not overwrite a submitted score.
    let late_draft = wang.post(&format!("{link}/draft"), &[("comment", "覆蓋？")]).await;
    assert_eq!(late_draft.status, StatusCode::CONFLICT);
    // Not even one whose check ran before the submission landed: the write itself is conditional.
    let id: i32 = link.rsplit('/').next().unwrap().parse().unwrap();
    let racing = linxuan_store::review::save_draft(
        &app.state.db,
        id,
        &linxuan_store::review::Entry { comment: "覆蓋？".into(), ..Default::default() },
        app.clock.now(),
    )
    .await;
    assert!(matches!(racing, Err(linxuan_store::StoreError::Conflict(_))), "{racing:?}");
    assert!(wang.get(&link).await.has("補充評語"), "the submitted version stands");
}

fn scores_csv(rows: &[(&str, &str, u32, &str, [&str; 3])]) -> String {
    let mut out = String::from("community,group,round,reviewer,criterion,score\n");
    for (c, g, round, reviewer, [t, co, r]) in rows {
        for (criterion, score) in [("timeliness", t), ("completeness", co), ("richness", r)] {
            out.push_str(&format!("{c},{g},{round},{reviewer},{criterion},{score}\n"));
        }
    }
    out
}

/// Sets the basic track's round-2 cut to the top `n` of round 1 (ties included), through the
/// office's plan form.
async fn cut_to_top(admin: &Client, n: &str) {
    let form = admin.get("/office/plan/edit/tracks").await;
    let draft = crate::plan::hidden(&form.body, "_draft");
    let version = crate::plan::hidden(&form.body, "_version");
    let saved = admin
        .post(
            "/office/plan/edit/tracks",
            &[
                ("_draft", &draft),
                ("_version", &version),
                ("c:tracks.basic.rounds[1]", "top"),
                ("cp:tracks.basic.rounds[1]", n),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
}

async fn the_cut_lets_ties_through_and_results_match_allocate(app: TestApp) {
    let (admin, _) = setup(&app).await;
    // A small cut for the test: the top 2 of round 1 go on, ties included.
    cut_to_top(&admin, "2").await;
    let round1 = scores_csv(&[
        ("J1", "basic-junior", 1, "wang@ntnu.edu.tw", ["25", "25", "40"]),
        ("J2", "basic-junior", 1, "chen@ncu.edu.tw", ["25", "20", "40"]),
        ("J3", "basic-junior", 1, "chen@ncu.edu.tw", ["20", "25", "40"]),
        ("J4", "basic-junior", 1, "wang@ntnu.edu.tw", ["10", "10", "30"]),
    ]);
    // Before round 1 is scored, the cut page says what is missing, and confirming it needs an
    // explicit acknowledgement.
    let early = admin.get("/office/review/cut/basic-junior/2").await;
    assert!(early.has("前一輪尚未完成") && early.has("J1、J2、J3、J4"), "{}", early.body);
    let refused = admin.post("/office/review/cut/basic-junior/2", &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.texts("#unfinished-error").concat().contains("前一輪尚未完成"), "{}", refused.body);
    assert_eq!(app.count("cuts").await, 0);
    let imported = admin.upload("/office/review/import", "round1.csv", round1.clone().into_bytes()).await;
    assert_eq!(imported.status, StatusCode::SEE_OTHER, "{}", imported.body);
    // A reviewer of the communities' own school is refused, naming the row's problem.
    let bad = admin
        .upload(
            "/office/review/import",
            "bad.csv",
            scores_csv(&[("J1", "basic-junior", 1, "lee@school.tyc.edu.tw", ["1", "1", "1"])]).into_bytes(),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.has("利益衝突"));
    let cut = admin.get("/office/review/cut/basic-junior/2").await;
    assert!(cut.has("3 個社群晉級") && cut.has("其中 1 個因同分晉級"), "{}", cut.body);
    let confirmed = admin.post("/office/review/cut/basic-junior/2", &[]).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    let matrix = admin.get("/office/review/assign/round-2").await;
    assert!(matrix.has("J1") && matrix.has("J2") && matrix.has("J3") && !matrix.has(">J4 "), "round 2 is J1–J3");
    // Round 2 by paper: the final score is the round-2 mean.
    let round2 = scores_csv(&[
        ("J1", "basic-junior", 2, "wang@ntnu.edu.tw", ["25", "25", "45.5"]),
        ("J1", "basic-junior", 2, "chen@ncu.edu.tw", ["25", "25", "30.3"]),
        ("J2", "basic-junior", 2, "wang@ntnu.edu.tw", ["25", "20", "42"]),
        ("J3", "basic-junior", 2, "chen@ncu.edu.tw", ["20", "25", "36.6"]),
    ]);
    admin.upload("/office/review/import", "round2.csv", round2.clone().into_bytes()).await;
    // The board's results are exactly `linxuan allocate` on the same scores.
    let dir = std::env::temp_dir().join(format!(
        "linxuan-review-{}-{}",
        std::process::id(),
        app.base.rsplit(':').next().unwrap()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let all = round1 + round2.split_once('\n').unwrap().1;
    std::fs::write(dir.join("scores.csv"), &all).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linxuan"))
        .args([
            "allocate",
            "--scores",
            dir.join("scores.csv").to_str().unwrap(),
            "--format",
            "csv",
            "--out",
            dir.join("cli.csv").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (_, server) = admin.get_bytes("/office/review/results.csv").await;
    assert_eq!(String::from_utf8(server).unwrap(), std::fs::read_to_string(dir.join("cli.csv")).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
    let board = admin.get("/office/review/board").await;
    assert!(board.has("特優") && board.has("紙本，office@tyc.edu.tw 匯入"), "imported, by whom: {}", board.body);
    assert!(board.has("委員評分統計") && board.has("王教授"), "reviewer statistics are on the board");
    // A narrower cut confirmed again (top 1): J2 and J3 already have round-2 work, which the page
    // names; once confirmed, their round-2 scores stop counting and round 1 decides for them.
    cut_to_top(&admin, "1").await;
    let again = admin.get("/office/review/cut/basic-junior/2").await;
    assert!(again.has("依此名單將不再晉級") && again.has("J2、J3"), "{}", again.body);
    // The confirmed cut stands on its page; the new list is shown beside it, as a change.
    assert_eq!(again.texts("#confirmed tbody tr").len(), 3, "the confirmed list stands: {}", again.body);
    let change = again.texts("#would-become").concat();
    assert!(change.contains("不再晉級") && change.contains("J2") && change.contains("J3"), "{change}");
    // Confirming it again needs a reason (and the acknowledgement); what was typed is kept.
    let refused = admin.post("/office/review/cut/basic-junior/2", &[("reason", "  ")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.texts("#reason-error").concat().contains("理由"), "{}", refused.body);
    let without_ack = admin.post("/office/review/cut/basic-junior/2", &[("reason", "規則改為取前 1 名")]).await;
    assert_eq!(without_ack.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(without_ack.attrs("#reason", "value"), ["規則改為取前 1 名"], "what was typed is kept");
    assert_eq!(app.count("cuts").await, 1);
    let narrowed =
        admin.post("/office/review/cut/basic-junior/2", &[("unfinished", "1"), ("reason", "規則改為取前 1 名")]).await;
    assert_eq!(narrowed.status, StatusCode::SEE_OTHER, "{}", narrowed.body);
    let confirmed = admin.get("/office/review/cut/basic-junior/2").await;
    assert!(
        confirmed.texts(".flash.ok").concat().contains("規則改為取前 1 名"),
        "the reason is recorded: {}",
        confirmed.body
    );
    let (_, csv) = admin.get_bytes("/office/review/results.csv").await;
    let csv = String::from_utf8(csv).unwrap();
    let header: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().next().unwrap().split(',').collect();
    let round_at = header.iter().position(|h| *h == "round").expect("a round column");
    for (code, round) in [("J1", "2"), ("J2", "1"), ("J3", "1")] {
        let row: Vec<&str> = csv.lines().find(|l| l.contains(&format!(",{code},"))).unwrap().split(',').collect();
        assert_eq!(row[round_at], round, "{code} is ranked by round {round}: {csv}");
        if round == "1" {
            assert_eq!(row.last().map(|s| s.trim()), Some("not-passed"), "{code} did not pass the cut: {csv}");
        }
    }
}

/// The office's cut of the junior-high group to its top `n`, confirmed, after round 1 scores
/// J1 95, J2 90, J3 85 and J4 71.25 (imported from paper).
async fn round_one_and_cut(admin: &Client, n: &str) {
    cut_to_top(admin, n).await;
    let round1 = scores_csv(&[
        ("J1", "basic-junior", 1, "wang@ntnu.edu.tw", ["25", "25", "45"]),
        ("J2", "basic-junior", 1, "chen@ncu.edu.tw", ["25", "25", "40"]),
        ("J3", "basic-junior", 1, "chen@ncu.edu.tw", ["25", "20", "40"]),
        ("J4", "basic-junior", 1, "wang@ntnu.edu.tw", ["20", "20", "31.25"]),
    ]);
    let imported = admin.upload("/office/review/import", "round1.csv", round1.into_bytes()).await;
    assert_eq!(imported.status, StatusCode::SEE_OTHER, "{}", imported.body);
    let confirmed = admin.post("/office/review/cut/basic-junior/2", &[("unfinished", "1")]).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER, "{}", confirmed.body);
}

/// SPEC §6: a community that did not pass the cut is listed with its round-1 score
/// (未進入複審) and takes no place, and places nobody eligible reaches are vacant; one that
/// passed and is not scored in round 2 yet awaits.
async fn a_community_that_did_not_pass_the_cut_gets_no_award(app: TestApp) {
    let (admin, _) = setup(&app).await;
    round_one_and_cut(&admin, "2").await;
    let round2 = scores_csv(&[("J1", "basic-junior", 2, "wang@ntnu.edu.tw", ["25", "25", "42"])]);
    admin.upload("/office/review/import", "round2.csv", round2.into_bytes()).await;
    let board = admin.get("/office/review/board").await;
    let row = |code: &str| board.row(code).unwrap_or_else(|| panic!("{code} on the board: {}", board.body));
    assert!(row("J1").contains("特優"), "{}", row("J1"));
    assert!(row("J2").contains("待複審評分") && !row("J2").contains("甲等"), "{}", row("J2"));
    for code in ["J3", "J4"] {
        assert!(row(code).contains("未進入複審"), "{}", row(code));
        assert!(!row(code).contains("甲等") && !row(code).contains("優等"), "no award: {}", row(code));
    }
    assert!(row("J4").contains("71.25"), "listed with its round-1 score: {}", row("J4"));
    // Round 2 for J2 below every minimum: the merit places stay vacant, never J3's or J4's.
    let round2 = scores_csv(&[("J2", "basic-junior", 2, "chen@ncu.edu.tw", ["20", "20", "25"])]);
    admin.upload("/office/review/import", "round2b.csv", round2.into_bytes()).await;
    let board = admin.get("/office/review/board").await;
    assert!(board.texts("#group-basic-junior p.small").concat().contains("甲等 3"), "{}", board.body);
    let (_, csv) = admin.get_bytes("/office/review/results.csv").await;
    let csv = String::from_utf8(csv).unwrap();
    let j4 = csv.lines().find(|l| l.contains(",J4,")).unwrap();
    assert!(j4.starts_with("basic-junior,,J4,1,") && j4.ends_with(",,false,not-passed"), "{csv}");
    // The picture of the spread says the same in words.
    let desc = board.texts("#spread-basic-junior-d").concat();
    assert!(desc.contains("2 個社群") && desc.contains("特優門檻 90 分，1 個社群達到"), "{desc}");
}

/// A reviewer declares a conflict during round 2 with a community they scored in round 1: the
/// round-2 assignment is void at once, but the closed round-1 score keeps counting and the
/// confirmed cut stands; the office sees a decision to make, has another reviewer score it in
/// round 1, and then confirms the changed cut again with a reason.
async fn a_late_conflict_never_rewrites_a_closed_round(app: TestApp) {
    let (admin, reviewers) = setup(&app).await;
    round_one_and_cut(&admin, "2").await; // J1 and J2 go on
    app.clock.set(taipei(d(2023, 6, 18), 10, 0, 0)); // round 1 closed, round 2 open
    admin.post("/office/review/assign/round-2/auto", &[]).await;
    let ids = |page: &str, label: &str| option_value(page, label);
    let conflicts = admin.get("/office/review/conflicts").await;
    let (j1, wang) = (ids(&conflicts.body, "J1"), ids(&conflicts.body, "王教授"));
    let before = admin.get("/office/review/cut/basic-junior/2").await;
    let confirmed_before = before.texts("#confirmed tbody tr");
    let declared = admin
        .post("/office/review/conflicts", &[("community", &j1), ("reviewer", &wang), ("reason", "曾指導該社群")])
        .await;
    assert_eq!(declared.status, StatusCode::SEE_OTHER, "{}", declared.body);
    // The cut page: the same confirmed list, no change to confirm, a decision shown.
    let after = admin.get("/office/review/cut/basic-junior/2").await;
    assert_eq!(after.texts("#confirmed tbody tr"), confirmed_before, "the confirmed cut stands");
    assert!(after.texts("#would-become").is_empty(), "nothing rewritten: {}", after.body);
    let late = after.texts(".card.warning").concat();
    assert!(late.contains("王教授") && late.contains("J1") && late.contains("初審"), "{late}");
    let board = admin.get("/office/review/board").await;
    assert!(board.row("J1").unwrap().contains("95.00") || board.has("95.00"), "round 1 still counts");
    assert!(board.texts("#group-basic-junior .card.warning").concat().contains("王教授"), "{}", board.body);
    // The office has 陳教授 score J1 in round 1, after the round closed; the page opens for it.
    let chen_id = ids(&conflicts.body, "陳教授");
    let added = admin.post("/office/review/assign/round-1/add", &[("community", &j1), ("reviewer", &chen_id)]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let (_, chen) = &reviewers[2];
    let mut link = None;
    for l in my_assignments(chen).await {
        let id: i32 = l.rsplit('/').next().unwrap().parse().unwrap();
        let a = linxuan_store::review::assignment(&app.state.db, id).await.unwrap().unwrap();
        if a.phase == "round-1" && a.community_id.to_string() == j1 {
            link = Some(l);
        }
    }
    let link = link.expect("the round-1 replacement");
    let mut fields: Vec<(String, String)> = indicator_fields("3");
    fields.push(("c.completeness".into(), "10".into()));
    fields.push(("completeness_reason".into(), "缺簽到表".into()));
    fields.push(("action".into(), "submit".into()));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let submitted = chen.post(&link, &refs).await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "a replacement can be scored after the round: {}",
        submitted.body
    );
    // Now the cut would change: J1 drops below J3. Shown, not applied.
    let changed = admin.get("/office/review/cut/basic-junior/2").await;
    assert_eq!(changed.texts("#confirmed tbody tr").len(), confirmed_before.len(), "still the confirmed list");
    let change = changed.texts("#would-become").concat();
    assert!(change.contains("J3") && change.contains("J1"), "{change}");
    assert!(changed.texts(".card.warning h2").concat().contains("晉級名單將會改變"));
    let refused = admin.post("/office/review/cut/basic-junior/2", &[("unfinished", "1")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = admin
        .post(
            "/office/review/cut/basic-junior/2",
            &[("unfinished", "1"), ("reason", "王教授利益迴避，初審改由陳教授評分")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let audit = admin.get("/office/audit").await;
    assert!(audit.has("王教授利益迴避，初審改由陳教授評分"), "the reason is in the audit log");
}

/// While scoring, before submitting: richness scaled and the total, on the page and as the
/// reviewer types (the server computes it; nothing is saved by asking).
async fn the_reviewer_sees_the_running_total(app: TestApp) {
    let (admin, reviewers) = setup(&app).await;
    app.clock.set(taipei(d(2023, 6, 14), 10, 0, 0));
    admin.post("/office/review/assign/round-1/auto", &[]).await;
    let (_, wang) = &reviewers[0];
    let link = my_assignments(wang).await[0].clone();
    let page = wang.get(&link).await;
    let running = page.texts(".running").concat();
    assert!(running.contains("豐富性") && running.contains("0.00 / 50"), "{running}");
    assert!(page.texts(".running-total").concat().contains("0 / 8"), "{}", page.body);
    let token = wang.token().await;
    let mut fields: Vec<(String, String)> = indicator_fields("7.5");
    fields.push(("i.sharing".into(), "8".into()));
    fields.push(("c.completeness".into(), "22".into()));
    fields.push(("_csrf".into(), token));
    let reply = wang.send(wang.http().post(wang.url(&format!("{link}/total"))).form(&fields)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(json["parts"][2], "37.81 / 50", "(7 × 7.5 + 8) / 80 × 50, as a submission records it");
    assert_eq!(json["parts"][1], "22.00 / 25");
    let total = json["total"].as_str().unwrap();
    assert!(total.starts_with("總分 ") && total.ends_with(" / 100"), "{total}");
    assert_eq!(app.count("scores").await, 0, "asking saves nothing");
    // Another reviewer cannot ask about this assignment.
    let (_, chen) = &reviewers[2];
    let token = chen.token().await;
    let other =
        chen.send(chen.http().post(chen.url(&format!("{link}/total"))).form(&[("_csrf", token.as_str())])).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
}

/// A tie decision that cannot be recorded shows the board again: what was typed, what is wrong
/// at the field, and a way back.
async fn a_bad_tie_decision_keeps_what_was_typed(app: TestApp) {
    let (admin, _) = setup(&app).await;
    let tied = scores_csv(&[
        ("J1", "basic-junior", 1, "wang@ntnu.edu.tw", ["25", "25", "42"]),
        ("J2", "basic-junior", 1, "chen@ncu.edu.tw", ["25", "25", "42"]),
    ]);
    admin.upload("/office/review/import", "tied.csv", tied.into_bytes()).await;
    let board = admin.get("/office/review/board").await;
    assert!(board.has("同分待裁決"), "{}", board.body);
    let wrong = admin
        .post("/office/review/decision/basic-junior", &[("order", "J2, J9"), ("reason", "依書面資料完整度")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.attrs("#order-basic-junior", "value"), ["J2, J9"]);
    assert_eq!(wrong.attrs("#reason-basic-junior", "value"), ["依書面資料完整度"]);
    assert_eq!(wrong.attrs("#order-basic-junior", "aria-invalid"), ["true"]);
    let problem = wrong.texts("#order-basic-junior-error").concat();
    assert!(problem.contains("J9") && problem.contains("J1、J2"), "{problem}");
    assert!(wrong.attrs("a", "href").iter().any(|h| h.starts_with("/office/review/board")), "a way back");
    let missing = admin.post("/office/review/decision/basic-junior", &[("order", "J2"), ("reason", "")]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.texts("#order-basic-junior-error").concat().contains("J1"));
    assert!(!missing.texts("#reason-basic-junior-error").is_empty());
    assert_eq!(app.count("decisions").await, 0);
    let ok = admin
        .post("/office/review/decision/basic-junior", &[("order", "J2、J1"), ("reason", "依書面資料完整度")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let board = admin.get("/office/review/board").await;
    let decision = board.texts("#group-basic-junior p.small").concat();
    assert!(
        decision.contains("J2 → J1") && decision.contains("依書面資料完整度") && decision.contains("office@"),
        "{decision}"
    );
    let revoked = admin.post("/office/review/revoke", &[("community", "J2"), ("reason", "抄襲他人教案")]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    // The justification record: the decision and the revocation beside the communities, a
    // sheet of every decision, numbers as numbers, phases by name.
    use calamine::{Data, Reader, Xlsx};
    let (status, bytes) = admin.get_bytes("/office/review/justification.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("國中組").unwrap();
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {header:?}"));
    let average = |code: &str| {
        sheet
            .rows()
            .find(|r| r[col("社群代碼")] == code && r[col("審查委員")].to_string().is_empty())
            .unwrap_or_else(|| panic!("{code}'s aggregate row"))
            .to_vec()
    };
    let j2 = average("J2");
    assert_eq!(j2[col("名次")], Data::Float(1.0), "a rank is a number");
    assert_eq!(j2[col("總分")], Data::Float(92.0), "a total is a number");
    assert_eq!(j2[col("豐富性")], Data::Float(42.0));
    assert_eq!(j2[col("階段")].to_string(), "初審平均");
    let decided = j2[col("裁決與撤銷")].to_string();
    assert!(
        decided.contains("J2 → J1") && decided.contains("依書面資料完整度") && decided.contains("office@"),
        "{decided}"
    );
    assert!(decided.contains("撤銷獎項") && decided.contains("抄襲他人教案"), "{decided}");
    let j1 = average("J1");
    assert!(j1[col("裁決與撤銷")].to_string().contains("J2 → J1"), "beside every community it ranked");
    let phases: Vec<String> = sheet.rows().skip(1).map(|r| r[col("階段")].to_string()).collect();
    assert!(phases.iter().all(|p| !p.contains("round-")), "no phase ids: {phases:?}");
    let decisions = book.worksheet_range("裁決與撤銷紀錄").unwrap();
    let kinds: Vec<String> = decisions.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert_eq!(kinds, ["同分裁決", "撤銷獎項"]);
    let versions = book.worksheet_range("評分版本紀錄").unwrap();
    let vheader: Vec<String> = versions.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert!(vheader.contains(&"豐富性".to_string()) && !vheader.iter().any(|h| h == "richness"), "{vheader:?}");
    let row = versions.rows().nth(1).unwrap();
    assert_eq!(row[vheader.iter().position(|h| h == "版本").unwrap()], Data::Float(1.0));
}

async fn publication_freezes_results_and_communities_see_their_own(app: TestApp) {
    let (admin, _) = setup(&app).await;
    let scores = scores_csv(&[
        ("J1", "basic-junior", 1, "wang@ntnu.edu.tw", ["25", "25", "45"]),
        ("J2", "basic-junior", 1, "chen@ncu.edu.tw", ["25", "20", "40"]),
    ]);
    admin.upload("/office/review/import", "s.csv", scores.into_bytes()).await;
    // The convener of J1 (imported with the communities) signs in.
    let users = admin.get("/office/users?role=convener").await;
    let resend = users.find_link("/resend").unwrap();
    let link = admin.post(&resend, &[]).await.find_link("/invite/").unwrap();
    let convener = app.client();
    convener.post(&link, &[("name", "甲"), ("password", "convening 12345"), ("confirm", "convening 12345")]).await;
    let id = convener.get("/community").await.location.unwrap();
    assert!(convener.get(&format!("{id}/results")).await.has("尚未公告"), "nothing before publication");
    let preview = admin.get("/office/review/publish").await;
    assert!(preview.has("文昌一") && preview.has("公告結果"));
    // J3 and J4 have no score: publishing needs an explicit acknowledgement.
    assert!(preview.has("J3、J4") && preview.has("評分尚未完成"), "{}", preview.body);
    let refused = admin.post("/office/review/publish", &[("note", "初次公告")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("publications").await, 0);
    let published = admin.post("/office/review/publish", &[("note", "初次公告"), ("unfinished", "1")]).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.body);
    let mine = convener.get(&format!("{id}/results")).await;
    assert!(mine.has("95.00") && mine.has("特優"), "{}", mine.body);
    assert!(!mine.has("王教授") && !mine.has("wang@ntnu.edu.tw"), "reviewers stay anonymous");
    // A later change does not touch what was published until the office publishes again.
    let more = scores_csv(&[("J1", "basic-junior", 1, "chen@ncu.edu.tw", ["25", "25", "35"])]);
    admin.upload("/office/review/import", "more.csv", more.into_bytes()).await;
    assert!(convener.get(&format!("{id}/results")).await.has("95.00"), "still the frozen version");
    let v1 = admin.get("/office/review/publications/1").await;
    assert!(v1.has("95.00") && v1.has("/office/review/publications/1/results.pdf"));
    let (status, pdf) = admin.get_bytes("/office/review/publications/1/results.pdf").await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let (status, draft) = admin.get_bytes("/office/review/results.pdf").await;
    assert_eq!(status, StatusCode::OK);
    assert!(draft.starts_with(b"%PDF-") && draft != pdf);
    assert_eq!(convener.get_bytes("/office/review/publications/1/results.pdf").await.0, StatusCode::FORBIDDEN);
    assert_eq!(admin.get_bytes("/office/review/publications/9/results.pdf").await.0, StatusCode::NOT_FOUND);
    // Revoking an award leaves the place vacant.
    let revoked = admin.post("/office/review/revoke", &[("community", "J1"), ("reason", "違反著作權")]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    admin.post("/office/review/publish", &[("note", "撤銷後"), ("unfinished", "1")]).await;
    let mine = convener.get(&format!("{id}/results")).await;
    assert!(mine.has("90.00") && mine.has("獎項已撤銷"), "{}", mine.body);
    let v2 = admin.get("/office/review/publications/2").await;
    assert!(v2.has("特優 1"), "the special place is vacant: {}", v2.body);
    // The exports and the board say the same as the publication.
    let (_, csv) = admin.get_bytes("/office/review/results.csv").await;
    let csv = String::from_utf8_lossy(&csv).to_string();
    let j1 = csv.lines().find(|l| l.contains("J1")).unwrap_or_default();
    assert!(!j1.is_empty() && !j1.contains("special"), "J1 has no award in results.csv: {csv}");
    let board = admin.get("/office/review/board").await;
    let j1_row = board.row("J1").unwrap_or_default();
    assert!(j1_row.contains("已撤銷") && j1_row.contains("獎項已撤銷，名額從缺"), "the board says so: {j1_row}");
    assert!(admin.get("/office/review/publications/1").await.has("95.00"), "both versions stay");
    assert!(app.sql("UPDATE publications SET note = 'x'").await.is_err());
}

const ADVANCED: &str = "code,school,track,group,name,convener,email\n\
A1,034601,advanced,advanced,文昌進階,甲,a1@school.tyc.edu.tw\n\
A2,034602,advanced,advanced,建國進階,乙,a2@school.tyc.edu.tw\n\
A3,034603,advanced,advanced,青溪進階,丙,a3@school.tyc.edu.tw\n\
A4,034602,advanced,advanced,建國進階二,丁,a4@school.tyc.edu.tw\n";

/// The value of the `name` attribute of the select labelled for `who` on the rooms form.
fn room_field(page: &str, who: &str) -> String {
    let at = page.find(&format!("aria-label=\"場地 {who}\"")).expect(who);
    let open = page[..at].rfind("name=\"").unwrap() + "name=\"".len();
    page[open..].split('"').next().unwrap().to_string()
}

/// The room sections of the schedule page, in order: the text of each.
fn rooms_of(page: &str) -> Vec<String> {
    page.split("<section class=\"card schedule\">")
        .skip(1)
        .map(|s| s.split("</section>").next().unwrap().to_string())
        .collect()
}

async fn presentation_day_rooms_schedule_and_scores(app: TestApp) {
    let (admin, reviewers) = setup_with(&app, ADVANCED).await;
    let page = admin.get("/office/review/presentation").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // 王 and 李 sit in room 1, 陳 in room 2. 李 works at 文昌國中, so A1 may not be in room 1.
    let fields = [
        (room_field(&page.body, "王教授"), "1"),
        (room_field(&page.body, "李校長"), "1"),
        (room_field(&page.body, "陳教授"), "2"),
    ];
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(admin.post("/office/review/presentation/rooms", &refs).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        admin.post("/office/review/presentation/rooms", &[(refs[0].0, "9")]).await.status,
        StatusCode::BAD_REQUEST,
        "there are two rooms"
    );
    let built = admin.post("/office/review/presentation/build", &[]).await;
    assert_eq!(built.status, StatusCode::SEE_OTHER, "{}", built.body);
    let page = admin.get("/office/review/presentation").await;
    assert!(page.has("已排定 4 個社群"), "{}", page.body);
    let rooms = rooms_of(&page.body);
    assert_eq!(rooms.len(), 2);
    assert!(rooms[1].contains("文昌進階") && !rooms[0].contains("文昌進階"), "A1 is kept away from 李: {rooms:?}");
    assert_eq!(rooms[0].matches("<tr><td class=\"num\">").count(), 2, "balanced: {rooms:?}");
    assert!(
        rooms[0].contains("09:00–09:17") && rooms[0].contains("09:20–09:37"),
        "20-minute slots, 3 of them change-over: {rooms:?}"
    );
    // Moving A1 into room 1 is refused and says why; nothing changes.
    let a1 = option_value(&page.body, "文昌進階");
    let refused = admin
        .post("/office/review/presentation/move", &[("community", a1.as_str()), ("room", "1"), ("position", "1")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.has("A1 文昌進階 與場地 1 的委員 李校長 須利益迴避"), "{}", refused.body);
    assert_eq!(rooms_of(&admin.get("/office/review/presentation").await.body), rooms);
    // Assigning from the schedule: each room's reviewers get its communities, written and live.
    let assigned = admin.post("/office/review/presentation/assign", &[]).await;
    assert_eq!(assigned.status, StatusCode::SEE_OTHER);
    // Room 1: 2 communities × 2 reviewers × 2 phases; room 2: 2 × 1 × 2.
    assert_eq!(app.count("assignments").await, 12);
    admin.post("/office/review/presentation/assign", &[]).await;
    assert_eq!(app.count("assignments").await, 12, "assigning again adds nothing");
    // Moving a community to the other room: the page says the assignments no longer match, and
    // assigning again makes them follow (nothing was scored yet).
    let page = admin.get("/office/review/presentation").await;
    assert!(!page.has("委員指派與目前的發表順序不一致"), "{}", page.body);
    let rooms = rooms_of(&page.body);
    let code = ["A2", "A3", "A4"].into_iter().find(|c| rooms[1].contains(&format!("{c} "))).unwrap();
    let id = option_value(&page.body, &format!("{code} "));
    let moved = admin
        .post("/office/review/presentation/move", &[("community", id.as_str()), ("room", "1"), ("position", "3")])
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let page = admin.get("/office/review/presentation").await;
    assert!(page.has(&format!("委員指派與目前的發表順序不一致，請按「依場地指派委員」更新：{code}")), "{}", page.body);
    let again = admin.post("/office/review/presentation/assign", &[]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    // Room 2's one reviewer loses 2 (written + live); room 1's two gain 2 each.
    assert_eq!(app.count("assignments").await, 14);
    let page = admin.get("/office/review/presentation").await;
    assert!(
        page.has("另移除 2 筆與目前場地不符的指派") && !page.has("委員指派與目前的發表順序不一致"),
        "{}",
        page.body
    );
    let print = admin.get("/office/review/presentation/print").await;
    assert!(print.has("文昌進階") && !print.has("presentation/build"), "the print view has no controls");
    // The room page: only its reviewers, one form per presentation.
    let (_, lee) = &reviewers[1];
    let (_, chen) = &reviewers[2];
    assert_eq!(lee.get("/review/room/2").await.status, StatusCode::FORBIDDEN);
    assert!(chen.get("/review").await.has("/review/room/2"), "the reviewer's home links their room");
    app.clock.set(taipei(d(2023, 6, 16), 9, 25, 0));
    let room = chen.get("/review/room/2").await;
    assert!(room.has("文昌進階") && room.has("data-timer=\"1020\""), "{}", room.body);
    let at = room.body.find("文昌進階").unwrap();
    let action = room.body[at..].find("action=\"/review/a/").map(|i| at + i + "action=\"".len()).unwrap();
    let url = room.body[action..].split('"').next().unwrap().replace("&amp;", "&");
    let too_high = chen.post(&url, &[("action", "submit"), ("c.presentation", "61"), ("comment", "清楚")]).await;
    assert_eq!(too_high.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        too_high.has("61") && too_high.has("清楚") && too_high.has("problems"),
        "typed values stay: {}",
        too_high.body
    );
    let ok = chen.post(&url, &[("action", "submit"), ("c.presentation", "55.5"), ("comment", "清楚")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert!(ok.location.as_deref().unwrap().starts_with("/review/room/2#slot-"), "back to the room");
    let room = chen.get("/review/room/2").await;
    assert!(room.has("第 1 版") && room.has("55.5"), "{}", room.body);
    assert!(admin.get("/office/review/board").await.has("55.5"), "the score reaches the board");
    // The day after, the presentation phase is closed.
    app.clock.set(taipei(d(2023, 6, 17), 9, 0, 0));
    let late = chen.post(&url, &[("action", "submit"), ("c.presentation", "50"), ("change_reason", "x")]).await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    // A community no longer approved after the schedule was built: its slot stays (nothing moves
    // behind the office's back) and the page says to build again.
    let a3 = option_value(&page.body, "青溪進階");
    let before = admin.get("/office/review/presentation").await;
    assert!(!before.has("已不在本組參賽名單"), "{}", before.body);
    let withdrawn = admin.post(&format!("/office/communities/{a3}/status"), &[("status", "pending")]).await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER, "{}", withdrawn.body);
    let after = admin.get("/office/review/presentation").await;
    assert!(after.has("已不在本組參賽名單（未核准或已退出），但仍在發表順序中；請重新排定：A3"), "{}", after.body);
    assert_eq!(rooms_of(&after.body), rooms_of(&before.body), "the schedule itself is unchanged");
}

backends!(
    presentation_day_rooms_schedule_and_scores,
    reviewers_declare_conflicts_before_assignment,
    a_conflict_found_after_scoring_voids_the_assignment,
    assignment_is_balanced_and_avoids_conflicts,
    a_conflict_closes_the_door_even_after_assignment,
    phases_open_and_close_by_date_and_by_the_office,
    scores_are_submitted_once_and_changed_only_with_a_reason,
    the_cut_lets_ties_through_and_results_match_allocate,
    publication_freezes_results_and_communities_see_their_own,
    a_community_that_did_not_pass_the_cut_gets_no_award,
    a_late_conflict_never_rewrites_a_closed_round,
    a_bad_tie_decision_keeps_what_was_typed,
    the_reviewer_sees_the_running_total,
);
