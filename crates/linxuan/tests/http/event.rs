//! The presentation day (issue 12): registration with one place per school, the venue's
//! capacity and the waiting list; mailed QR tickets; the desk's scans, counted once however
//! often they are sent; study hours and their export; the paper sign-in sheet; the meals line.

use calamine::{Reader, Xlsx};
use chrono::NaiveDate;
use linxuan_core::time::taipei;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::plan::hidden;
use crate::support::{Client, SmtpSink, TestApp, mail_text};
use crate::{backends, backends_with_mail};

const SCHOOLS: &str = "code,name,level,district\n034750,西門國小,國小,桃園區\n034601,文昌國中,國中,中壢區\n034602,建國國中,國中,桃園區\n034603,青溪國中,國中,桃園區\n";

fn on(day: u32, month: u32, h: u32, m: u32) -> chrono::DateTime<chrono::Utc> {
    taipei(NaiveDate::from_ymd_opt(2023, month, day).unwrap(), h, m, 0)
}

async fn scalar(app: &TestApp, sql: &str) -> String {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .state
        .db
        .query_one_raw(Statement::from_string(app.state.db.get_database_backend(), sql.to_string()))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("nothing for {sql}"));
    row.try_get_by_index::<String>(0).or_else(|_| row.try_get_by_index::<i32>(0).map(|n| n.to_string())).unwrap()
}

async fn school(app: &TestApp, code: &str) -> String {
    scalar(app, &format!("SELECT id FROM schools WHERE code = '{code}'")).await
}

/// The status of the registration under an e-mail address.
async fn status_of(app: &TestApp, email: &str) -> String {
    scalar(app, &format!("SELECT status FROM registrations WHERE email = '{email}' ORDER BY id DESC")).await
}

/// Sets the venue's capacity on the plan's presentation form; the answer.
async fn set_capacity(admin: &Client, capacity: &str) -> crate::support::Page {
    let form = admin.get("/office/plan/edit/presentation").await;
    let (draft, version) = (hidden(&form.body, "_draft"), hidden(&form.body, "_version"));
    admin
        .post(
            "/office/plan/edit/presentation",
            &[("_draft", &draft), ("_version", &version), ("I:presentation_day.capacity", capacity)],
        )
        .await
}

/// A visitor's registration through the public form.
async fn register(app: &TestApp, school: &str, name: &str, email: &str) -> crate::support::Page {
    let visitor = app.client();
    let form = visitor.get("/event/111/register").await;
    assert_eq!(form.status, StatusCode::OK);
    visitor
        .post(
            "/event/111/register",
            &[
                ("name", name),
                ("school", school),
                ("title", "教師"),
                ("email", email),
                ("meal", "meat"),
                ("national_id", ""),
            ],
        )
        .await
}

async fn one_place_per_school_then_the_waiting_list(app: TestApp, sink: SmtpSink) {
    let admin = app.admin().await;
    admin.upload("/office/schools/import", "s.csv", SCHOOLS.as_bytes().to_vec()).await;
    let (ximen, wenchang, jianguo, qingxi) = (
        school(&app, "034750").await,
        school(&app, "034601").await,
        school(&app, "034602").await,
        school(&app, "034603").await,
    );
    // Before the plan's dates the form says when it opens, and takes nothing.
    let visitor = app.client();
    let early = visitor.get("/event/111/register").await;
    assert!(early.has("報名將於 112年6月19日 開始"), "{}", early.body);
    assert!(
        early.html().select(&scraper::Selector::parse("form[action='/event/111/register']").unwrap()).next().is_none()
    );
    let refused = visitor.post("/event/111/register", &[("name", "甲"), ("school", &ximen)]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("registrations").await, 0);

    app.clock.set(on(20, 6, 10, 0));
    let saved = set_capacity(&admin, "3").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let event = visitor.get("/event/111").await;
    assert!(event.has("112年6月19日 至 112年7月4日"), "the public page gives the dates");

    // One place for the school; the next person of the same school waits.
    let first = register(&app, &ximen, "林一", "lin1@school.tyc.edu.tw").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let ticket_url = first.location.clone().unwrap();
    assert!(ticket_url.starts_with("/event/ticket/LX-"), "{ticket_url}");
    let ticket = visitor.get(&ticket_url).await;
    assert!(ticket.has("報名成功") && ticket.has("林一") && ticket.body.contains("<svg"), "{}", ticket.body);
    let second = register(&app, &ximen, "林二", "lin2@school.tyc.edu.tw").await;
    assert_eq!(second.status, StatusCode::SEE_OTHER);
    let waiting = visitor.get(second.location.as_deref().unwrap()).await;
    assert!(waiting.has("候補中（貴校名額已有人報名）"), "{}", waiting.body);
    assert!(!waiting.body.contains("<svg"), "no ticket while waiting");

    // Bad input: each named, nothing written.
    let before = app.count("registrations").await;
    let again = register(&app, &wenchang, "林一", "LIN1@school.tyc.edu.tw").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.has("lin1@school.tyc.edu.tw 已經報名過了"), "{}", again.body);
    assert!(!again.has("林一"), "the public is not told whose address it is");
    let nowhere = register(&app, "99999", "某人", "x@school.tyc.edu.tw").await;
    assert_eq!(nowhere.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nowhere.has("這所學校不在名單上"), "{}", nowhere.body);
    let c = app.client();
    c.get("/event/111/register").await;
    let bad = c
        .post(
            "/event/111/register",
            &[
                ("name", ""),
                ("school", &wenchang),
                ("title", ""),
                ("email", "not-an-address"),
                ("national_id", "A12345"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for text in ["請填寫姓名", "請填寫職稱", "這不是有效的電子郵件地址", "請選擇葷食或素食"]
    {
        assert!(bad.has(text), "{text}: {}", bad.body);
    }
    assert!(bad.texts("#national_id-error").len() == 1, "the ID number's problem is named");
    assert_eq!(app.count("registrations").await, before);

    // The venue holds three: the fourth school waits for a place.
    assert_eq!(register(&app, &wenchang, "陳三", "chen3@school.tyc.edu.tw").await.status, StatusCode::SEE_OTHER);
    assert_eq!(register(&app, &jianguo, "張四", "chang4@school.tyc.edu.tw").await.status, StatusCode::SEE_OTHER);
    let full = register(&app, &qingxi, "黃五", "huang5@school.tyc.edu.tw").await;
    assert!(visitor.get(full.location.as_deref().unwrap()).await.has("候補中（場地已滿）"));

    // The ticket mail: a link and the QR code as a PNG, nothing personal in the code.
    app.state.background.idle().await;
    let mails = sink.messages();
    let to_lin =
        mails.iter().find(|m| m.contains("lin1@school.tyc.edu.tw") && m.contains("image/png")).expect("a ticket");
    assert!(to_lin.contains("ticket.png") && to_lin.contains("iVBORw0KGgo"), "a PNG attachment");
    assert!(mail_text(to_lin).contains(&ticket_url), "the mail links the ticket page");
    let to_huang = mails.iter().find(|m| m.contains("huang5@school.tyc.edu.tw")).expect("a waiting-list mail");
    assert!(!to_huang.contains("image/png"), "no ticket for the waiting list");

    // The capacity cannot go below the places given.
    let lowered = set_capacity(&admin, "2").await;
    assert_eq!(lowered.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(lowered.has("場地容納人數 2 人少於已經報名成功的 3 人"), "{}", lowered.body);

    // 林一 cancels: 林二 (the same school) moves up first; 黃五 still waits for the venue.
    let cancelled = visitor.post(&format!("{ticket_url}/cancel"), &[]).await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, "lin1@school.tyc.edu.tw").await, "cancelled");
    assert_eq!(status_of(&app, "lin2@school.tyc.edu.tw").await, "registered");
    assert_eq!(status_of(&app, "huang5@school.tyc.edu.tw").await, "waiting");
    let twice = visitor.post(&format!("{ticket_url}/cancel"), &[]).await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST, "cancelled already");
    app.state.background.idle().await;
    assert!(
        sink.messages().iter().any(|m| m.contains("lin2@school.tyc.edu.tw") && m.contains("image/png")),
        "林二 is sent a ticket"
    );

    // The office may not admit past the capacity; raising it moves the list up.
    let huang = scalar(&app, "SELECT id FROM registrations WHERE email = 'huang5@school.tyc.edu.tw'").await;
    let refused = admin.post(&format!("/office/event/registrations/{huang}/admit"), &[]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.has("場地已滿（3 人）"), "{}", refused.body);
    assert_eq!(set_capacity(&admin, "4").await.status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, "huang5@school.tyc.edu.tw").await, "registered");

    // The office adds someone by hand past the school's rule (文昌 has 陳三) — full again, so they wait.
    let added = admin
        .post(
            "/office/event/registrations",
            &[("name", "陳六"), ("school", &wenchang), ("email", ""), ("meal", "veg"), ("national_id", "A123456789")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let list = admin.get("/office/event/registrations").await;
    assert!(list.has("A12****789") && !list.has("A123456789"), "the ID number is masked");
    assert!(list.has("報名成功 4 人（素食 0）、候補 1 人、已取消 1 人"), "{}", list.body);
    let filtered = admin.get("/office/event/registrations?status=waiting").await;
    assert!(filtered.has("陳六") && !filtered.has("張四"));
    let (status, xlsx) = admin.get_bytes("/office/event/registrations.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let rows: Vec<Vec<String>> =
        book.worksheet_range("報名").unwrap().rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows.len(), 7, "a header and six registrations: {rows:?}");
    assert_eq!(rows[0][..4], ["序號", "狀態", "學校", "姓名"]);
    assert_eq!(rows[1][1..4], ["已取消", "西門國小", "林一"]);
    assert_eq!(rows[6][7], "A12****789");

    // Registration closes after its last day.
    app.clock.set(on(5, 7, 9, 0));
    let late = register(&app, &qingxi, "晚到", "late@school.tyc.edu.tw").await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    assert!(late.has("報名已於 112年7月4日 截止"), "{}", late.body);
}

backends_with_mail!(one_place_per_school_then_the_waiting_list);

/// Five people of each of five schools press "register" at the same moment: each school gets
/// exactly one place.
async fn the_race_for_a_schools_one_place(app: TestApp) {
    let admin = app.admin().await;
    let mut csv = String::from("code,name,level,district\n");
    for i in 0..5 {
        csv.push_str(&format!("0350{i:02},第{i}國小,國小,桃園區\n"));
    }
    admin.upload("/office/schools/import", "s.csv", csv.into_bytes()).await;
    app.clock.set(on(20, 6, 8, 0));
    let mut people = Vec::new();
    for i in 0..5 {
        let id = school(&app, &format!("0350{i:02}")).await;
        for j in 0..5 {
            let client = app.client();
            client.get("/event/111/register").await;
            people.push((client, id.clone(), format!("t{i}-{j}@school.tyc.edu.tw")));
        }
    }
    let answers = futures_util::future::join_all(people.iter().map(|(client, school, email)| async move {
        client
            .post(
                "/event/111/register",
                &[("name", "老師"), ("school", school), ("title", "教師"), ("email", email), ("meal", "meat")],
            )
            .await
    }))
    .await;
    assert!(answers.iter().all(|a| a.status == StatusCode::SEE_OTHER), "every one answered");
    for i in 0..5 {
        let id = school(&app, &format!("0350{i:02}")).await;
        let placed = scalar(
            &app,
            &format!(
                "SELECT CAST(COUNT(*) AS INTEGER) FROM registrations WHERE school_id = {id} AND status = 'registered'"
            ),
        )
        .await;
        assert_eq!(placed, "1", "school {i} has one place");
        let waiting = scalar(
            &app,
            &format!(
                "SELECT CAST(COUNT(*) AS INTEGER) FROM registrations WHERE school_id = {id} AND status = 'waiting'"
            ),
        )
        .await;
        assert_eq!(waiting, "4");
    }
}

backends!(the_race_for_a_schools_one_place);

/// A scan as the desk's script sends it.
async fn scan(desk: &Client, body: Value) -> Value {
    let token = desk.token().await;
    let response =
        desk.http().post(desk.url("/checkin/scan")).header("x-csrf-token", token).json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn the_desk_counts_each_scan_once_and_hours_follow(app: TestApp) {
    let admin = app.admin().await;
    admin.upload("/office/schools/import", "s.csv", SCHOOLS.as_bytes().to_vec()).await;
    let (ximen, wenchang, jianguo, qingxi) = (
        school(&app, "034750").await,
        school(&app, "034601").await,
        school(&app, "034602").await,
        school(&app, "034603").await,
    );
    for (name, school, id) in [
        ("林一", &ximen, "A123456789"),
        ("陳二", &wenchang, "B123456780"),
        ("張三", &jianguo, ""),
        ("黃四", &qingxi, ""),
    ] {
        let page = admin
            .post(
                "/office/event/registrations",
                &[("name", name), ("school", school), ("email", ""), ("meal", "meat"), ("national_id", id)],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    let ticket = |name: &'static str| {
        let app = &app;
        async move { scalar(app, &format!("SELECT ticket FROM registrations WHERE name = '{name}'")).await }
    };
    let (lin, chen, chang, huang) =
        (ticket("林一").await, ticket("陳二").await, ticket("張三").await, ticket("黃四").await);
    // 黃四 cancels before the day.
    let huang_id = scalar(&app, "SELECT id FROM registrations WHERE name = '黃四'").await;
    admin.post(&format!("/office/event/registrations/{huang_id}/cancel"), &[]).await;

    let desk = app.member(&admin, "desk@school.tyc.edu.tw", "staff").await;
    let page = desk.get("/checkin").await;
    assert_eq!(page.status, StatusCode::OK);
    let policy = page.headers.get("permissions-policy").unwrap().to_str().unwrap().to_string();
    assert!(policy.contains("camera=(self)"), "the camera on this page: {policy}");
    let elsewhere = desk.get("/event/111").await;
    assert!(elsewhere.headers.get("permissions-policy").unwrap().to_str().unwrap().contains("camera=()"));
    assert_eq!(desk.get("/office/event").await.status, StatusCode::FORBIDDEN, "the desk is not the office");

    app.clock.set(on(7, 7, 8, 5));
    let first = scan(&desk, json!({ "scan_id": "phone1-0001", "ticket": lin, "kind": "in" })).await;
    assert_eq!(first["answer"], "checked-in");
    assert_eq!(first["at"], "08:05");
    assert!(first["text"].as_str().unwrap().contains("林一 · 西門國小 · 08:05 報到完成"), "{first}");
    // The same scan sent again (a queue emptied twice): the same answer, one record.
    app.clock.set(on(7, 7, 8, 9));
    let resent = scan(&desk, json!({ "scan_id": "phone1-0001", "ticket": lin, "kind": "in" })).await;
    assert_eq!(
        (resent["answer"].as_str(), resent["at"].as_str(), resent["repeated"].as_bool()),
        (Some("checked-in"), Some("08:05"), Some(true))
    );
    assert_eq!(app.count("scans").await, 1);
    // A second scan of the ticket says when it was.
    let again = scan(&desk, json!({ "scan_id": "phone2-0001", "ticket": lin, "kind": "in" })).await;
    assert_eq!((again["answer"].as_str(), again["tone"].as_str()), (Some("already-in"), Some("warn")));
    assert!(again["text"].as_str().unwrap().contains("已於 08:05 報到過"));
    // Forged, cancelled, out before in.
    let forged =
        scan(&desk, json!({ "scan_id": "phone2-0002", "ticket": "LX-00000000000000000000000000000000", "kind": "in" }))
            .await;
    assert_eq!(forged["answer"], "unknown");
    assert_eq!(
        scan(&desk, json!({ "scan_id": "phone2-0003", "ticket": huang, "kind": "in" })).await["answer"],
        "cancelled"
    );
    let early_out = scan(&desk, json!({ "scan_id": "phone2-0004", "ticket": chen, "kind": "out" })).await;
    assert_eq!(early_out["answer"], "not-checked-in");
    assert!(early_out["text"].as_str().unwrap().contains("尚未報到，不能簽退"));
    // A scan kept on a phone while the network was down counts at the time it was made.
    app.clock.set(on(7, 7, 8, 40));
    let queued = scan(
        &desk,
        json!({ "scan_id": "phone3-0001", "ticket": chen, "kind": "in", "at": on(7, 7, 8, 25).to_rfc3339() }),
    )
    .await;
    assert_eq!((queued["answer"].as_str(), queued["at"].as_str()), (Some("checked-in"), Some("08:25")));
    // A time from another day is not believed.
    let bogus =
        scan(&desk, json!({ "scan_id": "phone3-0002", "ticket": chang, "kind": "in", "at": "2020-01-01T00:00:00Z" }))
            .await;
    assert_eq!(bogus["at"], "08:40");
    // Another phone, offline until now, scanned 張三 at 08:30: the earlier time is kept.
    let earlier = scan(
        &desk,
        json!({ "scan_id": "phone4-0001", "ticket": chang, "kind": "in", "at": on(7, 7, 8, 30).to_rfc3339() }),
    )
    .await;
    assert_eq!((earlier["answer"].as_str(), earlier["at"].as_str()), (Some("already-in"), Some("08:30")));
    // Bad requests are refused with a reason.
    let token = desk.token().await;
    let bad = desk
        .send(
            desk.http()
                .post(desk.url("/checkin/scan"))
                .header("x-csrf-token", &token)
                .json(&json!({ "scan_id": "x", "kind": "in" })),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let sideways = desk
        .send(
            desk.http()
                .post(desk.url("/checkin/scan"))
                .header("x-csrf-token", &token)
                .json(&json!({ "scan_id": "phone9-0001", "kind": "sideways" })),
        )
        .await;
    assert_eq!(sideways.status, StatusCode::BAD_REQUEST);

    // By hand, found by name (without the script).
    let found = desk.get("/checkin?q=%E5%BC%B5&kind=out").await;
    assert!(found.has("張三"), "{}", found.body);
    // A walk-in is registered and checked in at once.
    let walk_in = desk
        .post(
            "/checkin/walk-in",
            &[("name", "路人甲"), ("school", ""), ("school_other", "台北市立某國中"), ("meal", "veg")],
        )
        .await;
    assert_eq!(walk_in.status, StatusCode::SEE_OTHER, "{}", walk_in.body);
    assert_eq!(scalar(&app, "SELECT source FROM registrations WHERE name = '路人甲'").await, "walk-in");
    // The same walk-in sent twice (a double tap) is added once.
    let twice = desk
        .post(
            "/checkin/walk-in",
            &[("name", "路人甲"), ("school", ""), ("school_other", "台北市立某國中"), ("meal", "veg")],
        )
        .await;
    assert_eq!(twice.status, StatusCode::SEE_OTHER);
    assert_eq!(scalar(&app, "SELECT CAST(COUNT(*) AS INTEGER) FROM registrations WHERE name = '路人甲'").await, "1");
    let nameless = desk.post("/checkin/walk-in", &[("name", ""), ("school", "")]).await;
    assert_eq!(nameless.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Check-out: 林一 stays to the end, 陳二 leaves a little early (within the grace), 張三 leaves early.
    app.clock.set(on(7, 7, 12, 22));
    assert_eq!(
        scan(&desk, json!({ "scan_id": "phone1-0101", "ticket": chen, "kind": "out" })).await["answer"],
        "checked-out"
    );
    app.clock.set(on(7, 7, 11, 0));
    let chang_id = scalar(&app, "SELECT id FROM registrations WHERE name = '張三'").await;
    let by_hand =
        desk.post("/checkin/hand", &[("registration", &chang_id), ("kind", "out"), ("scan_id", "hand-00000001")]).await;
    assert_eq!(by_hand.status, StatusCode::SEE_OTHER);
    app.clock.set(on(7, 7, 12, 31));
    assert_eq!(
        scan(&desk, json!({ "scan_id": "phone1-0102", "ticket": lin, "kind": "out" })).await["answer"],
        "checked-out"
    );
    let out_again = scan(&desk, json!({ "scan_id": "phone1-0103", "ticket": lin, "kind": "out" })).await;
    assert_eq!((out_again["answer"].as_str(), out_again["at"].as_str()), (Some("already-out"), Some("12:31")));

    // Study hours: checked in by 08:10 and out after 12:30, give or take ten minutes.
    let hours = admin.get("/office/event/hours").await;
    assert!(hours.has("核給時數（1 人）"), "{}", hours.body);
    assert!(hours.has("遲到 15 分鐘"), "陳二 came at 08:25: {}", hours.body);
    assert!(hours.has("提早 90 分鐘離開") && hours.has("遲到 20 分鐘"), "張三 came at 08:30, left at 11:00");
    assert!(hours.has("核給但缺身分證字號（0 人）"));
    let (status, xlsx) = admin.get_bytes("/office/event/hours.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let rows: Vec<Vec<String>> =
        book.worksheet_range("研習時數").unwrap().rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(
        rows,
        [["研習日期", "姓名", "身分證字號", "服務學校", "時數"], ["112/07/07", "林一", "A123456789", "西門國小", "4"]]
    );
    let none: Vec<Vec<String>> =
        book.worksheet_range("未核給").unwrap().rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(none.len(), 4, "陳二, 張三 and the walk-in (no check-out): {none:?}");
    let (_, csv) = admin.get_bytes("/office/event/hours.csv").await;
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(csv, "\u{feff}研習日期,姓名,身分證字號,服務學校,時數\r\n112/07/07,林一,A123456789,西門國小,4\r\n");
    assert_eq!(
        scalar(&app, "SELECT CAST(COUNT(*) AS INTEGER) FROM audit_log WHERE action = 'hours.export'").await,
        "2",
        "both exports are logged"
    );
    // An ID number the server's key cannot open stops the export and is named.
    app.sql("UPDATE registrations SET national_id_sealed = 'v1:broken' WHERE name = '林一'").await.unwrap();
    let refused = admin.get("/office/event/hours.csv").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.has("無法讀出以下人員的身分證字號") && refused.has("林一"), "{}", refused.body);

    // The meals line counts the people checked in once the desk has begun: 林一, 陳二, 張三, 路人甲.
    let budget = admin.get("/office/budget").await;
    let meals: Vec<String> = budget.texts("tr").into_iter().filter(|r| r.contains("膳費")).collect();
    assert!(meals.iter().any(|r| r.contains("480")), "4 × 120 on the presentation day's meals line: {meals:?}");

    // The paper sheet lists everyone with a place, by school (the list's order: by code).
    let (status, pdf) = admin.get_bytes("/office/event/signin.pdf").await;
    assert_eq!(status, StatusCode::OK);
    if let Some(text) = crate::outcomes::pdf_text(&pdf) {
        for name in ["簽到表", "林一", "陳二", "張三", "路人甲"] {
            assert!(text.contains(name), "{name} on the sheet: {text}");
        }
        assert!(!text.contains("黃四"), "cancelled people are not listed");
        // By school code: 文昌國中 (034601) before 西門國小 (034750); a school not on the list last.
        assert!(text.find("陳二").unwrap() < text.find("林一").unwrap(), "by school code");
        assert!(text.find("林一").unwrap() < text.find("路人甲").unwrap(), "a school not on the list last");
    }
}

backends!(the_desk_counts_each_scan_once_and_hours_follow);
