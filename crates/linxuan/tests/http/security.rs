//! What a review of the running server found (issue 9), each as a test that failed before the
//! fix: hostile spreadsheets, uploads that ask for too much, concurrent versions, an account
//! taken before its owner arrives, the sign-in limiter, redirects, CSV formulas, timing,
//! stalled requests, plan values, control characters, download names, hardening.

use std::io::{Read, Write};

use reqwest::StatusCode;

use crate::backends;
use crate::community::{COMMUNITIES, SCHOOLS, community_id, convener, office, pdf, walk};
use crate::support::{Backend, Client, Gate, SmtpSink, TestApp};

/// An xlsx of a few KB with cells at A1 and XFD1048576.
fn corners_xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "code").unwrap();
    ws.write_string(1_048_575, 16_383, "boom").unwrap();
    wb.save_to_buffer().unwrap()
}

async fn a_hostile_spreadsheet_is_refused_with_its_size(app: TestApp) {
    let admin = app.admin().await;
    let bytes = corners_xlsx();
    assert!(bytes.len() < 8_000);
    for path in ["/office/schools/import", "/office/communities/import"] {
        let page = admin.upload(path, "schools.xlsx", bytes.clone()).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", page.body);
        assert!(page.has("儲存格 XFD1048576 超出可讀取的範圍"), "{path}: {}", page.body);
    }
    // The paper scores import too.
    let page = admin.upload("/office/review/import", "scores.xlsx", bytes).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.has("XFD1048576"), "{}", page.body);
    // The server is still there, and nothing was written.
    assert_eq!(app.client().get("/healthz").await.status, StatusCode::OK);
    assert_eq!(app.count("schools").await, 0);
}

/// An upload's URL with a fresh key.
fn upload_url(id: i32, category: &str, key: &str) -> String {
    format!("/community/{id}/files?category={category}&key={key}")
}

/// Posts a multipart form with the session's CSRF token in the query.
async fn multipart(client: &Client, path: &str, form: reqwest::multipart::Form) -> crate::support::Page {
    let token = client.token().await;
    client.send(client.http().post(client.url(&format!("{path}&_csrf={token}"))).multipart(form)).await
}

fn file_part(name: &str, bytes: Vec<u8>) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(bytes).file_name(name.to_string())
}

async fn uploads_take_one_file_a_short_title_and_nothing_more(app: TestApp) {
    let (_, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    let files_before = walk(&app.dir.join("files"));
    // A title of a megabyte is refused without being kept in memory.
    let form = reqwest::multipart::Form::new()
        .text("title", "長".repeat(400_000))
        .part("file", file_part("report.pdf", pdf(2_000)));
    let page = multipart(&lin, &upload_url(id, "report", "title-key-0000000001"), form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.has("標題太長"), "{}", page.body);
    // Twenty files in one request: refused, and not one of them kept.
    let mut form = reqwest::multipart::Form::new();
    for i in 0..20 {
        form = form.part("file", file_part(&format!("f{i}.pdf"), pdf(5_000)));
    }
    let page = multipart(&lin, &upload_url(id, "lesson_plan", "many-key-0000000001"), form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.has("一次只能上傳一個檔案"), "{}", page.body);
    // A field the form does not have.
    let form =
        reqwest::multipart::Form::new().part("file", file_part("a.pdf", pdf(5_000))).text("extra", "x".repeat(100));
    let page = multipart(&lin, &upload_url(id, "lesson_plan", "extra-key-000000001"), form).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    // A request that says it is larger than the file limit allows is refused before it is read.
    let token = lin.token().await;
    let huge = lin
        .send(
            lin.http()
                .post(lin.url(&format!("{}&_csrf={token}", upload_url(id, "report", "huge-key-0000000001"))))
                .header("content-type", "multipart/form-data; boundary=x")
                .header("content-length", (60_000_000u64).to_string())
                .body(vec![0u8; 10]),
        )
        .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.count("file_versions").await, 0);
    assert_eq!(walk(&app.dir.join("files")), files_before, "nothing stored that nothing records");
}

async fn twenty_versions_at_once_all_land(app: TestApp) {
    let (_, links) = office(&app).await;
    let lin = std::sync::Arc::new(convener(&app, &links[0]).await);
    let id = community_id(&lin).await;
    let uploads = (0..20).map(|i| {
        let lin = lin.clone();
        tokio::spawn(async move {
            lin.upload(
                &upload_url(id, "report", &format!("parallel-key-{i:08}")),
                &format!("v{i}.pdf"),
                pdf(10_000 + i),
            )
            .await
            .status
        })
    });
    for status in futures_util::future::join_all(uploads).await {
        assert_eq!(status.unwrap(), StatusCode::SEE_OTHER);
    }
    // One report, versions 1 to 20, every file on disk and named by a row.
    assert_eq!(app.count("documents").await, 1);
    assert_eq!(app.count("file_versions").await, 20);
    for n in 1..=20 {
        assert_eq!(app.count(&format!("file_versions WHERE version = {n}")).await, 1, "version {n}");
    }
    let stored = walk(&app.dir.join("files")).into_iter().filter(|p| p.contains("/communities/")).count();
    assert_eq!(stored, 20, "no orphan files");
}

async fn an_import_never_attaches_to_an_account_its_owner_did_not_confirm(app: TestApp) {
    let (admin, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    lin.post(&format!("/community/{id}/members"), &[("name", "張老師"), ("email", "chang@school.tyc.edu.tw")]).await;
    let members = lin.get(&format!("/community/{id}/members")).await;
    let hand = members.form_action("form[action$='/convener']").unwrap();
    let page = lin.post(&hand, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.attrs("input.link-box", "value").is_empty(), "no link for the convener: {}", page.body);
    // Before the fix the convener saw the link and set a password for someone else's address.
    app.sql("UPDATE users SET password_hash = 'x' WHERE email = 'chang@school.tyc.edu.tw'").await.unwrap();
    let csv = "社群代碼,學校代碼,類別,組別,社群名稱,召集人,召集人電子郵件\n\
               E009,034750,初階,國小組,第二個社群,張老師,chang@school.tyc.edu.tw\n";
    let page = admin.upload("/office/communities/import", "c.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.has("尚未經本人確認電子郵件"), "{}", page.body);
    assert_eq!(app.count("communities WHERE code = 'E009'").await, 0, "nothing written");
    // The office makes a reset link and hands it to the real owner, who sets a password.
    let users = admin.get("/office/users").await;
    let reset = users
        .attr_in_row("chang@school.tyc.edu.tw", "form[action$='/reset-link']", "action")
        .expect("a reset link for the account");
    let made = admin.post(&reset, &[]).await;
    let link = made.attrs("input.link-box", "value").into_iter().next().expect("the link to pass on");
    let path = link.split_once("://").map(|(_, rest)| &rest[rest.find('/').unwrap()..]).unwrap().to_string();
    let owner = app.client();
    let set = owner.post(&path, &[("password", "chang's own secret"), ("confirm", "chang's own secret")]).await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let page = admin.upload("/office/communities/import", "c.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(app.count("communities WHERE code = 'E009'").await, 1);
}

async fn reset_requests_never_stop_anyone_signing_in(app: TestApp, _sink: crate::support::SmtpSink) {
    let _admin = app.admin().await;
    let stranger = app.client();
    for i in 0..31 {
        let page = stranger.post("/password/forgot", &[("email", &format!("nobody{i}@tyc.edu.tw"))]).await;
        assert!(page.status == StatusCode::OK || page.status == StatusCode::TOO_MANY_REQUESTS);
    }
    let office = app.client();
    let page = office.post("/login", &[("email", "office@tyc.edu.tw"), ("password", "correct horse 1")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // Five wrong passwords from one place stop that place, not the account's owner.
    let guesser = app.client();
    for _ in 0..5 {
        let page = guesser.post("/login", &[("email", "office@tyc.edu.tw"), ("password", "guess")]).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = guesser.post("/login", &[("email", "office@tyc.edu.tw"), ("password", "correct horse 1")]).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    app.state.background.idle().await;
}

/// A sign-in through a proxy that says the client is `forwarded`.
async fn attempt(client: &Client, forwarded: String, password: &str) -> StatusCode {
    let token = client.token().await;
    let request = client.http().post(client.url("/login")).header("x-forwarded-for", forwarded).form(&[
        ("_csrf", token.as_str()),
        ("email", "office@tyc.edu.tw"),
        ("password", password),
    ]);
    client.send(request).await.status
}

async fn behind_a_proxy_the_client_is_the_hop_our_proxy_added(backend: Backend) {
    let Some(app) = TestApp::start_with(backend, |c| {
        c.trust_proxy = true;
        c.trusted_proxies = "127.0.0.1".into();
    })
    .await
    else {
        return;
    };
    let _admin = app.admin().await;
    let attacker = app.client();
    // Whatever the attacker puts in front, our proxy appends where they really are.
    for i in 0..5 {
        assert_eq!(attempt(&attacker, format!("10.9.9.{i}, 203.0.113.9"), "guess").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        attempt(&attacker, "10.9.9.99, 203.0.113.9".into(), "correct horse 1").await,
        StatusCode::TOO_MANY_REQUESTS,
        "rotating the forged part does not reset the count"
    );
    let owner = app.client();
    assert_eq!(
        attempt(&owner, "198.51.100.1".into(), "correct horse 1").await,
        StatusCode::SEE_OTHER,
        "the owner, elsewhere, is not locked out"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_sqlite() {
    behind_a_proxy_the_client_is_the_hop_our_proxy_added(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_postgres() {
    behind_a_proxy_the_client_is_the_hop_our_proxy_added(Backend::Postgres).await
}

async fn redirects_stay_on_this_site(app: TestApp) {
    let client = app.client();
    for back in ["/%09/evil.example", "/%0A/evil.example", "/%5Cevil.example", "//evil.example", "/%01", "/%E2%80%AE"] {
        let page = client.get(&format!("/lang?to=en&back={back}")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{back}");
        assert_eq!(page.location.as_deref(), Some("/"), "{back}");
    }
    let page = client.get("/lang?to=en&back=/office/schools%3Fq%3D%E6%A1%83").await;
    assert_eq!(page.location.as_deref(), Some("/office/schools?q=%E6%A1%83"));
    let _admin = app.admin().await;
    let page = client.get("/login?next=/%09/evil.example").await;
    assert_eq!(page.attrs("input[name=next]", "value"), [""], "the form carries no foreign next");
    let signed = client
        .post(
            "/login",
            &[("email", "office@tyc.edu.tw"), ("password", "correct horse 1"), ("next", "/\t/evil.example")],
        )
        .await;
    assert_eq!(signed.location.as_deref(), Some("/"));
}

async fn csv_exports_never_run_as_formulas(app: TestApp) {
    let admin = app.admin().await;
    let csv = "code,name,level,district\n034999,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"點我\"\")\",國小,桃園區\n";
    let page = admin.upload("/office/schools/import", "s.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (status, bytes) = admin.get_bytes("/office/schools/export.csv").await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("\"'=HYPERLINK("), "{text}");
    assert!(!text.contains(",=HYPERLINK") && !text.contains(",\"=HYPERLINK"), "{text}");
}

async fn the_reset_page_answers_before_the_mail_goes_with(backend: Backend) {
    let gate = Gate::default();
    let sink = SmtpSink::start_gated(gate.clone());
    let url = sink.url.clone();
    let Some(app) = TestApp::start_with(backend, |c| c.smtp_url = Some(url)).await else {
        return;
    };
    let admin = app.admin().await;
    drop(admin);
    let stranger = app.client();
    // The mail server holds every message: the answer must not wait for it.
    let known = stranger.post("/password/forgot", &[("email", "office@tyc.edu.tw")]).await;
    let unknown = stranger.post("/password/forgot", &[("email", "nobody@tyc.edu.tw")]).await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(known.body, unknown.body.replace("nobody@tyc.edu.tw", "office@tyc.edu.tw"));
    assert!(sink.messages().is_empty(), "answered while the mail was still on its way");
    gate.open();
    app.state.background.idle().await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "the known address gets its link");
    assert!(crate::support::mail_text(&messages[0]).contains("/password/reset/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reset_page_answers_before_the_mail_goes_sqlite() {
    the_reset_page_answers_before_the_mail_goes_with(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reset_page_answers_before_the_mail_goes_postgres() {
    the_reset_page_answers_before_the_mail_goes_with(Backend::Postgres).await
}

async fn stalled_requests_are_dropped_with(backend: Backend) {
    let Some(app) = TestApp::start_with(backend, |c| {
        c.head_timeout_secs = 1;
        c.body_idle_timeout_secs = 1;
    })
    .await
    else {
        return;
    };
    let (_, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    // A request head that never ends: the connection is closed.
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\n").unwrap();
    slow.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    let mut buf = Vec::new();
    let read = slow.read_to_end(&mut buf);
    assert!(read.is_ok(), "closed by the server, not by our own read timeout: {read:?}");
    // An upload that stops half-way: refused, and nothing half-written stays.
    let token = lin.token().await;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let body = reqwest::Body::wrap_stream(tokio_stream_of(rx));
    let head = b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.pdf\"\r\n\r\n%PDF-1.7\n".to_vec();
    tx.send(Ok(head)).await.unwrap();
    tx.send(Ok(vec![b'x'; 100_000])).await.unwrap();
    let request = lin
        .http()
        .post(lin.url(&format!("{}&_csrf={token}", upload_url(id, "report", "stall-key-000000001"))))
        .header("content-type", "multipart/form-data; boundary=x")
        .body(body);
    let answer = request.send().await;
    // The server gives up on the body: an error answer or a closed connection, never a hang.
    if let Ok(response) = answer {
        assert!(response.status().is_client_error(), "{}", response.status());
    }
    drop(tx);
    assert_eq!(app.count("file_versions").await, 0);
    let leftovers: Vec<String> =
        walk(&app.dir.join("files")).into_iter().filter(|p| p.contains("/communities/")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A stream of a channel's items (without tokio-stream).
fn tokio_stream_of(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_requests_are_dropped_sqlite() {
    stalled_requests_are_dropped_with(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_requests_are_dropped_postgres() {
    stalled_requests_are_dropped_with(Backend::Postgres).await
}

async fn plan_values_that_would_break_later_are_refused(app: TestApp) {
    let admin = app.admin().await;
    let form = admin.get("/office/plan/edit/groups").await;
    let draft = crate::plan::hidden(&form.body, "_draft");
    let version = crate::plan::hidden(&form.body, "_version");
    let page = admin
        .post(
            "/office/plan/edit/groups",
            &[("_draft", &draft), ("_version", &version), ("s:groups.basic-elementary.name", "國小組'")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.has("組別名稱不可以 &#39; 開頭或結尾") || page.has("組別名稱不可以 ' 開頭或結尾"), "{}", page.body);
    let form = admin.get("/office/plan/edit/general").await;
    let draft = crate::plan::hidden(&form.body, "_draft");
    let version = crate::plan::hidden(&form.body, "_version");
    let page = admin
        .post(
            "/office/plan/edit/general",
            &[("_draft", &draft), ("_version", &version), ("i:uploads.max_file_mb", "18446744073710")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    // The justification workbook works whatever the groups are called.
    let (status, _) = admin.get_bytes("/office/review/justification.xlsx").await;
    assert_eq!(status, StatusCode::OK);
}

async fn control_characters_are_removed_at_the_edge(app: TestApp) {
    let admin = app.admin().await;
    // NUL in the sign-in e-mail (PostgreSQL cannot even store it).
    let stranger = app.client();
    let page = stranger.post("/login", &[("email", "office\0@tyc.edu.tw"), ("password", "nope")]).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", page.body);
    let page = stranger.post("/password/forgot", &[("email", "a\0b@tyc.edu.tw")]).await;
    assert!(page.status.is_success(), "{}", page.status);
    assert_eq!(stranger.get("/password/reset/%00abc").await.status, StatusCode::BAD_REQUEST);
    // In a form: removed before anything sees it.
    let page = admin
        .post(
            "/office/schools",
            &[("code", "034777"), ("name", "成功\u{202E}國小\0"), ("level", "elementary"), ("district", "桃園區")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let list = admin.get("/office/schools").await;
    assert!(list.texts("td").iter().any(|t| t == "成功國小"), "{:?}", list.texts("td"));
    // In an upload's name: 成果\u{202E}fdp.exe would show as 成果exe.pdf.
    admin.upload("/office/schools/import", "s.csv", SCHOOLS.as_bytes().to_vec()).await;
    let imported = admin.upload("/office/communities/import", "c.csv", COMMUNITIES.as_bytes().to_vec()).await;
    let link = imported.attrs("input.link-box", "value").into_iter().next().expect("an invitation link");
    let path = link.split_once("://").map(|(_, rest)| rest[rest.find('/').unwrap()..].to_string()).unwrap();
    let lin = convener(&app, &path).await;
    let id = community_id(&lin).await;
    let page =
        lin.upload(&upload_url(id, "lesson_plan", "bidi-key-0000000001"), "成果\u{202E}fdp.exe", pdf(3_000)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let files = lin.get(&format!("/community/{id}/files")).await;
    let names = files.texts("a");
    assert!(names.iter().any(|n| n == "成果fdp.pdf"), "{names:?}");
    assert!(!files.body.contains('\u{202E}'));
}

async fn a_download_is_named_for_what_it_is(app: TestApp) {
    let (_, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    let page = lin.upload(&upload_url(id, "lesson_plan", "html-key-0000000001"), "x.html", pdf(3_000)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let files = lin.get(&format!("/community/{id}/files")).await;
    let href = files.attrs("a[href*='/files/version/']", "href").into_iter().next().expect("a download link");
    let response = lin.http().get(lin.url(&href)).send().await.unwrap();
    let disposition = response.headers().get("content-disposition").unwrap().to_str().unwrap().to_string();
    assert!(disposition.contains("filename=\"x.pdf\""), "{disposition}");
    assert_eq!(response.headers().get("content-type").unwrap(), "application/pdf");
}

async fn hardening_with(backend: Backend) {
    let Some(app) = TestApp::start_with(backend, |c| c.public_url = Some("https://linxuan.example.tw".into())).await
    else {
        return;
    };
    let page = app.client().get("/login").await;
    assert_eq!(page.headers.get("strict-transport-security").unwrap(), "max-age=31536000");
    if backend == Backend::Sqlite {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(app.dir.join("linxuan.db")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the database is its owner's only");
    }
    // Plain http: no HSTS.
    let Some(plain) = TestApp::start(backend).await else { return };
    assert!(plain.client().get("/login").await.headers.get("strict-transport-security").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hardening_sqlite() {
    hardening_with(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hardening_postgres() {
    hardening_with(Backend::Postgres).await
}

async fn pages_go_out_compressed_files_as_they_are(app: TestApp) {
    let (admin, links) = office(&app).await;
    let gzip = |path: String| {
        let request = admin.http().get(admin.url(&path)).header("accept-encoding", "gzip");
        async move { request.send().await.unwrap() }
    };
    let plain = admin.get("/office/communities").await;
    let response = gzip("/office/communities".into()).await;
    assert_eq!(response.headers().get("content-encoding").unwrap(), "gzip");
    let packed = response.bytes().await.unwrap();
    let mut html = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&packed[..]), &mut html).unwrap();
    let strip = |s: &str| s.replace(&plain.csrf().unwrap_or_default(), "");
    assert_eq!(strip(&html).len(), strip(&plain.body).len(), "the same page");
    assert!(packed.len() * 2 < plain.body.len(), "{} bytes packed, {} plain", packed.len(), plain.body.len());
    // CSV too; an uploaded PDF goes as it is.
    let many: String = (0..100).map(|i| format!("0{i:05},第{i}國小,國小,桃園區\n")).collect();
    admin.upload("/office/schools/import", "s.csv", format!("code,name,level,district\n{many}").into_bytes()).await;
    let csv = gzip("/office/schools/export.csv".into()).await;
    assert_eq!(csv.headers().get("content-encoding").unwrap(), "gzip");
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    lin.upload(&upload_url(id, "report", "gzip-key-0000000001"), "r.pdf", pdf(50_000)).await;
    let files = lin.get(&format!("/community/{id}/files")).await;
    let href = files.attrs("a[href*='/files/version/']", "href").into_iter().next().unwrap();
    let response = lin.http().get(lin.url(&href)).header("accept-encoding", "gzip").send().await.unwrap();
    assert!(response.headers().get("content-encoding").is_none());
    assert_eq!(response.bytes().await.unwrap().len(), 50_000);
}

async fn the_audit_log_is_a_chain_that_shows_tampering(app: TestApp) {
    let (admin, _) = office(&app).await;
    admin
        .post(
            "/office/schools",
            &[("code", "034778"), ("name", "新校"), ("level", "elementary"), ("district", "桃園區")],
        )
        .await;
    let report = linxuan_store::audit::verify_chain(&app.state.db).await.unwrap();
    assert!(report.entries >= 5, "{report:?}");
    assert!(report.broken.is_empty(), "{report:?}");
    assert_eq!(report.head.len(), 64);
    // The log refuses to be emptied or changed.
    assert!(app.sql("DELETE FROM audit_log").await.is_err());
    assert!(app.sql("UPDATE audit_log SET actor = 'someone else'").await.is_err());
    if app.schema.is_some() {
        assert!(app.sql("TRUNCATE audit_log").await.is_err(), "TRUNCATE is refused on PostgreSQL");
    }
    // Someone with the database's keys removes the guard and rewrites an entry: the chain shows it.
    let (lift, restore) = if app.schema.is_some() {
        ("ALTER TABLE audit_log DISABLE TRIGGER USER", "ALTER TABLE audit_log ENABLE TRIGGER USER")
    } else {
        (
            "DROP TRIGGER audit_log_no_update",
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'x'); END",
        )
    };
    app.sql(lift).await.unwrap();
    app.sql("UPDATE audit_log SET actor = 'someone else' WHERE id = (SELECT MIN(id) + 1 FROM audit_log)")
        .await
        .unwrap();
    app.sql(restore).await.unwrap();
    let report = linxuan_store::audit::verify_chain(&app.state.db).await.unwrap();
    assert_eq!(report.broken.len(), 1, "{report:?}");
    assert!(report.broken[0].1.contains("does not match its hash"), "{report:?}");
}

backends!(
    a_hostile_spreadsheet_is_refused_with_its_size,
    uploads_take_one_file_a_short_title_and_nothing_more,
    twenty_versions_at_once_all_land,
    an_import_never_attaches_to_an_account_its_owner_did_not_confirm,
    redirects_stay_on_this_site,
    csv_exports_never_run_as_formulas,
    plan_values_that_would_break_later_are_refused,
    control_characters_are_removed_at_the_edge,
    a_download_is_named_for_what_it_is,
    the_audit_log_is_a_chain_that_shows_tampering,
    pages_go_out_compressed_files_as_they_are,
);

crate::backends_with_mail!(reset_requests_never_stop_anyone_signing_in);
