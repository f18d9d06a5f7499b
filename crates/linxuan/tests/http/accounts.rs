//! First-run set-up, signing in and out, rate limits, CSRF, roles, invitations and resets.

use chrono::Duration;
use reqwest::StatusCode;

use crate::backends;
use crate::support::{SmtpSink, TestApp, mail_text};

async fn first_run_link_sets_up_the_admin_once(app: TestApp) {
    let link = app.setup_link.clone().expect("a set-up link on first run");
    let path = link.strip_prefix(&app.base).unwrap().to_string();
    let admin = app.admin().await;
    let dashboard = admin.get("/office").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.has("桃園市111學年度"), "the zh-TW dashboard shows the plan");
    // Single use: the same link no longer works, for anyone.
    let again = app.client().get(&path).await;
    assert_eq!(again.status, StatusCode::GONE);
    let reuse = app
        .client()
        .post(&path, &[("name", "x"), ("email", "x@x.tw"), ("password", "12345678x"), ("confirm", "12345678x")])
        .await;
    assert_eq!(reuse.status, StatusCode::GONE);
    assert_eq!(app.count("users").await, 1);
    let audit = admin.get("/office/audit").await;
    assert!(audit.has("建立第一位管理者"), "the audit log says it in words");
}

async fn setup_link_expires_after_24_hours(app: TestApp) {
    let link = app.setup_link.clone().unwrap();
    let path = link.strip_prefix(&app.base).unwrap().to_string();
    app.clock.advance(Duration::hours(24) - Duration::seconds(1));
    assert_eq!(app.client().get(&path).await.status, StatusCode::OK);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(app.client().get(&path).await.status, StatusCode::GONE);
}

async fn sign_in_wrong_and_right_then_out(app: TestApp) {
    let _admin = app.admin().await;
    let browser = app.client();
    let login = browser.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    let wrong = browser.post("/login", &[("email", "office@tyc.edu.tw"), ("password", "not the password")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.has("電子郵件或密碼不正確"));
    let unknown = browser.post("/login", &[("email", "nobody@tyc.edu.tw"), ("password", "correct horse 1")]).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let right = browser
        .post(
            "/login",
            &[("email", " Office@TYC.edu.tw "), ("password", "correct horse 1"), ("next", "/office/schools")],
        )
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    assert_eq!(right.location.as_deref(), Some("/office/schools"));
    assert_eq!(browser.get("/office/schools").await.status, StatusCode::OK);
    let out = browser.post("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = browser.get("/office").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location.as_deref(), Some("/login?next=%2Foffice"));
}

async fn open_redirects_are_refused(app: TestApp) {
    let _admin = app.admin().await;
    let browser = app.client();
    browser.get("/login").await;
    let page = browser
        .post(
            "/login",
            &[("email", "office@tyc.edu.tw"), ("password", "correct horse 1"), ("next", "//evil.example/x")],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/"));
    let lang = browser.get("/lang?to=en&back=https://evil.example").await;
    assert_eq!(lang.location.as_deref(), Some("/"));
}

async fn sign_in_attempts_are_limited(app: TestApp) {
    let _admin = app.admin().await;
    let browser = app.client();
    for _ in 0..5 {
        let page = browser.post("/login", &[("email", "office@tyc.edu.tw"), ("password", "guess guess")]).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let blocked = browser.post("/login", &[("email", "office@tyc.edu.tw"), ("password", "correct horse 1")]).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert!(blocked.headers.contains_key("retry-after"));
    app.clock.advance(Duration::minutes(15));
    let later = browser.post("/login", &[("email", "office@tyc.edu.tw"), ("password", "correct horse 1")]).await;
    assert_eq!(later.status, StatusCode::SEE_OTHER);
}

async fn state_changes_need_the_csrf_token(app: TestApp) {
    let admin = app.admin().await;
    let fields = [("code", "034601"), ("name", "桃園市立文昌國中"), ("level", "junior"), ("district", "桃園區")];
    let without = admin.post_raw("/office/schools", &fields).await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    let mut wrong = vec![("_csrf", "0000000000000000000000000000000000000000000000000000000000000000")];
    wrong.extend_from_slice(&fields);
    assert_eq!(admin.post_raw("/office/schools", &wrong).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("schools").await, 0, "nothing was written");
    let with = admin.post("/office/schools", &fields).await;
    assert_eq!(with.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("schools").await, 1);
    // Sign-in forms are protected too (login CSRF).
    let stranger = app.client();
    let login = stranger.post_raw("/login", &[("email", "office@tyc.edu.tw"), ("password", "correct horse 1")]).await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);
}

async fn roles_are_checked_on_every_office_route(app: TestApp) {
    let admin = app.admin().await;
    let convener = app.member(&admin, "convener@school.tyc.edu.tw", "convener").await;
    let reviewer = app.member(&admin, "reviewer@ntnu.edu.tw", "reviewer").await;
    let anonymous = app.client();
    let gets = [
        "/office",
        "/office/schools",
        "/office/users",
        "/office/plan",
        "/office/plan/edit/tracks",
        "/office/audit",
        "/office/plan/download",
    ];
    for path in gets {
        assert_eq!(convener.get(path).await.status, StatusCode::FORBIDDEN, "convener GET {path}");
        assert_eq!(reviewer.get(path).await.status, StatusCode::FORBIDDEN, "reviewer GET {path}");
        let page = anonymous.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "anonymous GET {path}");
        assert!(page.location.unwrap().starts_with("/login?next="));
    }
    let before = app.count("schools").await;
    let school = [("code", "1"), ("name", "x"), ("level", "junior"), ("district", "y")];
    assert_eq!(convener.post("/office/schools", &school).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        convener.post("/office/users", &[("email", "e@x.tw"), ("name", "n"), ("role", "admin")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(reviewer.post("/office/plan/next-year", &[("from", "111")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("schools").await, before, "nothing changed");
    assert_eq!(app.count("plans").await, 1);
    // They do have their own pages.
    assert_eq!(convener.get("/").await.location.as_deref(), Some("/community"));
    assert_eq!(convener.get("/community").await.status, StatusCode::OK);
    assert_eq!(reviewer.get("/").await.location.as_deref(), Some("/review"));
    assert_eq!(reviewer.get("/review").await.status, StatusCode::OK);
    assert_eq!(reviewer.get("/community").await.status, StatusCode::FORBIDDEN);
    assert_eq!(convener.get("/review").await.status, StatusCode::FORBIDDEN);
    assert_eq!(reviewer.get("/account").await.status, StatusCode::OK);
}

async fn deactivated_accounts_are_signed_out(app: TestApp) {
    let admin = app.admin().await;
    let convener = app.member(&admin, "leaving@school.tyc.edu.tw", "convener").await;
    assert_eq!(convener.get("/account").await.status, StatusCode::OK);
    let users = admin.get("/office/users").await;
    let id_marker = users.find_link("/active").expect("a deactivate form");
    let page = admin.post(&id_marker, &[("active", "false")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(convener.get("/account").await.status, StatusCode::SEE_OTHER, "signed out at once");
    // The last administrator cannot be deactivated or demoted.
    let me = admin.get("/office/users?role=admin").await;
    let role_form = me.find_link("/role").unwrap();
    assert_eq!(admin.post(&role_form, &[("role", "reviewer")]).await.status, StatusCode::BAD_REQUEST);
}

async fn invitation_without_smtp_shows_the_link(app: TestApp) {
    let admin = app.admin().await;
    let page = admin
        .post("/office/users", &[("email", "t1@school.tyc.edu.tw"), ("name", "林老師"), ("role", "convener")])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.has("尚未設定寄信伺服器"));
    let link = page.find_link("/invite/").unwrap();
    // A second invitation to the same address is refused with a message by the field.
    let again = admin
        .post("/office/users", &[("email", "T1@school.tyc.edu.tw"), ("name", "林老師"), ("role", "convener")])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.has("這個電子郵件已有帳號"));
    let teacher = app.client();
    let form = teacher.get(&link).await;
    assert!(form.has("t1@school.tyc.edu.tw"));
    let short = teacher.post(&link, &[("name", "林老師"), ("password", "short"), ("confirm", "short")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.has("密碼至少需要 8 個字元"));
    let ok = teacher
        .post(&link, &[("name", "林老師"), ("password", "teaching is fun"), ("confirm", "teaching is fun")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(app.client().get(&link).await.status, StatusCode::GONE, "single use");
}

async fn password_reset_by_mail_with_sink(backend: crate::support::Backend) {
    let sink = SmtpSink::start();
    let url = sink.url.clone();
    let Some(app) = TestApp::start_with(backend, |c| c.smtp_url = Some(url)).await else {
        return;
    };
    let admin = app.admin().await;
    // Inviting by mail: the page says it was sent, and the mail carries the link.
    let page = admin
        .post("/office/users", &[("email", "reviewer@ntnu.edu.tw"), ("name", "陳教授"), ("role", "reviewer")])
        .await;
    assert!(page.has("已寄信到 reviewer@ntnu.edu.tw"), "{}", page.body);
    let invite = mail_text(&sink.messages()[0]);
    assert!(invite.contains("陳教授") && invite.contains("/invite/"), "{invite}");
    // Forgotten password: the same answer for a known and an unknown address.
    let stranger = app.client();
    let unknown = stranger.post("/password/forgot", &[("email", "nobody@tyc.edu.tw")]).await;
    let known = stranger.post("/password/forgot", &[("email", "office@tyc.edu.tw")]).await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(known.body, unknown.body.replace("nobody@tyc.edu.tw", "office@tyc.edu.tw"));
    // The link is mailed after the answer.
    app.state.background.idle().await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 2, "one invitation, one reset; nothing for the unknown address");
    let text = mail_text(&messages[1]);
    let start = text.find("/password/reset/").unwrap();
    let path: String = text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    let set = stranger.post(&path, &[("password", "a brand new one"), ("confirm", "a brand new one")]).await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    assert_eq!(stranger.get(&path).await.status, StatusCode::GONE, "single use");
    let fresh = app.client();
    let old = fresh.post("/login", &[("email", "office@tyc.edu.tw"), ("password", "correct horse 1")]).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = fresh.post("/login", &[("email", "office@tyc.edu.tw"), ("password", "a brand new one")]).await;
    assert_eq!(new.status, StatusCode::SEE_OTHER);
    // The first browser's session ended with the old password.
    assert_eq!(admin.get("/office").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_reset_by_mail_sqlite() {
    password_reset_by_mail_with_sink(crate::support::Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_reset_by_mail_postgres() {
    password_reset_by_mail_with_sink(crate::support::Backend::Postgres).await
}

async fn pages_carry_security_headers(app: TestApp) {
    let page = app.client().get("/login").await;
    let csp = page.headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(page.headers.get("x-frame-options").unwrap(), "DENY");
    assert_eq!(page.headers.get("x-content-type-options").unwrap(), "nosniff");
    let cookie = page.headers.get("set-cookie").unwrap().to_str().unwrap().to_lowercase();
    assert!(cookie.contains("httponly") && cookie.contains("samesite=lax"), "{cookie}");
    assert!(!page.body.contains("<script>"), "no inline script");
}

async fn language_switch_and_english_pages(app: TestApp) {
    let admin = app.admin().await;
    let switched = admin.get("/lang?to=en&back=/office").await;
    assert_eq!(switched.location.as_deref(), Some("/office"));
    let page = admin.get("/office").await;
    assert!(page.has("Dashboard") && page.has("lang=\"en\""));
    let back = admin.get("/lang?to=zh-TW&back=/office").await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert!(admin.get("/office").await.has("總覽"));
}

async fn own_account_changes_password(app: TestApp) {
    let admin = app.admin().await;
    let wrong = admin
        .post(
            "/account/password",
            &[("current", "nope nope"), ("password", "another secret"), ("confirm", "another secret")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.has("目前的密碼不正確"));
    let ok = admin
        .post(
            "/account/password",
            &[("current", "correct horse 1"), ("password", "another secret"), ("confirm", "another secret")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.get("/office").await.status, StatusCode::OK, "this session continues");
}

async fn the_audit_log_is_append_only(app: TestApp) {
    let _admin = app.admin().await;
    assert!(app.count("audit_log").await >= 1);
    assert!(app.sql("UPDATE audit_log SET actor = 'someone else'").await.is_err());
    assert!(app.sql("DELETE FROM audit_log").await.is_err());
    assert!(app.count("audit_log").await >= 1);
}

backends!(
    first_run_link_sets_up_the_admin_once,
    setup_link_expires_after_24_hours,
    sign_in_wrong_and_right_then_out,
    open_redirects_are_refused,
    sign_in_attempts_are_limited,
    state_changes_need_the_csrf_token,
    roles_are_checked_on_every_office_route,
    deactivated_accounts_are_signed_out,
    invitation_without_smtp_shows_the_link,
    pages_carry_security_headers,
    language_switch_and_english_pages,
    own_account_changes_password,
    the_audit_log_is_append_only,
);
