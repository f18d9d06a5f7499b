//! The plan in the office's hands: seen, edited through forms with the same validation as
//! `plan check`, uploaded, copied into a new year.

use reqwest::StatusCode;

use crate::backends;
use crate::support::TestApp;

async fn the_whole_plan_is_on_one_page(app: TestApp) {
    let admin = app.admin().await;
    let page = admin.get("/office/plan").await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "初階專業學習社群",
        "國小組",
        "特優",
        "112年6月12日",
        "112年7月7日(星期五)",
        "運作與出席",
        "216,000",
        "開幕式+頒獎典禮",
        "各組前（獎項名額 × 2）名",
    ] {
        assert!(page.has(text), "the plan page shows {text}");
    }
    let (status, toml) = admin.get_bytes("/office/plan/download").await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8(toml).unwrap().contains("academic_year = 111"));
}

async fn weights_that_do_not_add_up_are_refused_by_the_form(app: TestApp) {
    let admin = app.admin().await;
    let form = admin.get("/office/plan/edit/tracks").await;
    assert_eq!(form.status, StatusCode::OK);
    let draft = hidden(&form.body, "_draft");
    let version = hidden(&form.body, "_version");
    let page = admin
        .post(
            "/office/plan/edit/tracks",
            &[("_draft", &draft), ("_version", &version), ("i:tracks.basic.criteria.richness.points", "45")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.has("href=\"#tracks.basic.criteria\"") && page.has("配分合計 95，應為 100"), "{}", page.body);
    assert!(app.client().get("/").await.status == StatusCode::SEE_OTHER);
    // Nothing was saved.
    let (_, toml) = admin.get_bytes("/office/plan/download").await;
    assert!(String::from_utf8(toml).unwrap().contains("points = 50"));
    // A letter in a number field is named by its field.
    let page = admin
        .post(
            "/office/plan/edit/tracks",
            &[("_draft", &draft), ("_version", &version), ("i:tracks.basic.min_members", "五")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.has("「五」不是整數"));
}

pub fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap() + marker.len();
    let end = body[start..].find('"').unwrap();
    body[start..start + end]
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn a_valid_change_is_saved_and_audited(app: TestApp) {
    let admin = app.admin().await;
    let form = admin.get("/office/plan/edit/groups").await;
    let (draft, version) = (hidden(&form.body, "_draft"), hidden(&form.body, "_version"));
    let page = admin
        .post(
            "/office/plan/edit/groups",
            &[
                ("_draft", &draft),
                ("_version", &version),
                ("i:groups.basic-junior.quotas.special", "2"),
                ("s:groups.basic-junior.name", "國中組（試辦）"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let plan = admin.get("/office/plan").await;
    assert!(plan.has("國中組（試辦）"));
    let audit = admin.get("/office/audit").await;
    assert!(audit.has("修改計畫") && audit.has("111/groups"));
    // The same form posted again from the old page is refused: someone changed the plan since.
    let stale = admin
        .post(
            "/office/plan/edit/groups",
            &[("_draft", &draft), ("_version", &version), ("i:groups.basic-junior.quotas.special", "3")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
}

async fn moving_the_day_without_its_weekday_is_caught(app: TestApp) {
    let admin = app.admin().await;
    let form = admin.get("/office/plan/edit/presentation").await;
    let (draft, version) = (hidden(&form.body, "_draft"), hidden(&form.body, "_version"));
    let page = admin
        .post(
            "/office/plan/edit/presentation",
            &[("_draft", &draft), ("_version", &version), ("w:presentation_day.date", "112年7月8日(星期五)")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.has("112年7月8日 是星期六，不是星期五"), "{}", page.body);
}

async fn rows_are_added_then_saved(app: TestApp) {
    let admin = app.admin().await;
    let form = admin.get("/office/plan/edit/budget").await;
    let (draft, version) = (hidden(&form.body, "_draft"), hidden(&form.body, "_version"));
    // Add a line to the presentation-day table: shown, not saved.
    let added = admin
        .post(
            "/office/plan/edit/budget",
            &[("_draft", &draft), ("_version", &version), ("_add", "budget.tables[2].lines")],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK);
    assert!(added.has("尚未儲存") && added.has("budget.tables[2].lines[6].item"));
    let draft2 = hidden(&added.body, "_draft");
    // Fill it so everything adds up: 1,000 more for the table, the budget and the city.
    let page = admin
        .post(
            "/office/plan/edit/budget",
            &[
                ("_draft", &draft2),
                ("_version", &version),
                ("s:budget.tables[2].lines[6].item", "場地布置"),
                ("i:budget.tables[2].lines[6].unit_price", "500"),
                ("i:budget.tables[2].lines[6].quantity", "2"),
                ("s:budget.tables[2].lines[6].unit", "式"),
                ("i:budget.tables[2].lines[6].total", "1000"),
                ("i:budget.tables[2].total", "77000"),
                ("i:budget.tables[2].city", "77000"),
                ("i:budget.total", "217000"),
                ("i:budget.city", "217000"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(admin.get("/office/plan").await.has("場地布置"));
}

async fn an_uploaded_plan_is_checked_before_it_is_kept(app: TestApp) {
    let admin = app.admin().await;
    let bad = linxuan_core::plan::BUILTIN_TOML.replacen("quantity = 220", "quantity = 210", 1);
    let page = admin.upload("/office/plan/upload", "plan.toml", bad.into_bytes()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.has("budget.tables[0].lines[0].total"), "{}", page.body);
    let broken = admin.upload("/office/plan/upload", "plan.toml", b"academic_year = \"x\"".to_vec()).await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    let good = linxuan_core::plan::BUILTIN_TOML.replacen("venue = \"桃園市西門國小\"", "venue = \"桃園市青溪國中\"", 1);
    let page = admin.upload("/office/plan/upload", "plan.toml", good.into_bytes()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(admin.get("/office/plan").await.has("桃園市青溪國中"));
}

async fn a_new_year_is_a_copy_and_years_stay_apart(app: TestApp) {
    let admin = app.admin().await;
    let page = admin.post("/office/plan/next-year", &[("from", "111")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let plan = admin.get("/office/plan").await;
    assert!(plan.has("桃園市112學年度") && plan.has("113年6月12日"), "the copy is on screen");
    assert_eq!(app.count("plans").await, 2);
    // Dates a year on that land on a weekend are named for the office to check.
    assert!(plan.texts(".flash.info").concat().contains("落在週末"), "{}", plan.body);
    let weekends = plan.texts("#weekends li");
    assert!(
        weekends.iter().any(|w| w.contains("績優社群成果發表會") && w.contains("113年7月7日(星期日)")),
        "{weekends:?}"
    );
    assert!(weekends.iter().any(|w| w.contains("初審結束") && w.contains("星期六")), "{weekends:?}");
    assert!(weekends.iter().all(|w| w.contains("星期六") || w.contains("星期日")), "{weekends:?}");
    // Change the new year; the old one stays as it was.
    let form = admin.get("/office/plan/edit/general").await;
    let (draft, version) = (hidden(&form.body, "_draft"), hidden(&form.body, "_version"));
    let saved = admin
        .post(
            "/office/plan/edit/general",
            &[("_draft", &draft), ("_version", &version), ("i:uploads.max_file_mb", "80")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    admin.post("/office/plan/year", &[("year", "111"), ("back", "/office/plan")]).await;
    let old = admin.get("/office/plan").await;
    assert!(old.has("桃園市111學年度") && old.has("50 MB") && !old.has("80 MB"));
    assert!(old.texts("#weekends").is_empty(), "111 has no working date on a weekend");
    // A second click on the same button finds the year already made.
    let again = admin.post("/office/plan/next-year", &[("from", "111")]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("plans").await, 2);
}

backends!(
    the_whole_plan_is_on_one_page,
    weights_that_do_not_add_up_are_refused_by_the_form,
    a_valid_change_is_saved_and_audited,
    moving_the_day_without_its_weekday_is_caught,
    rows_are_added_then_saved,
    an_uploaded_plan_is_checked_before_it_is_kept,
    a_new_year_is_a_copy_and_years_stay_apart,
);
