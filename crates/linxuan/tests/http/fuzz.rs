//! Fuzzing what the server reads from a request body: uploads (multipart, mutated, with any
//! boundary), every import (schools, communities, paper scores, a plan) and the presentation
//! day's forms and scans. Never a server error, never a stored file that no row names, and the
//! server answers after each.
//!
//! `LINXUAN_FUZZ_CASES=10000 cargo test -p linxuan --test http fuzz` runs a longer pass.

use rand::{Rng, SeedableRng};
use reqwest::StatusCode;

use crate::backends;
use crate::community::{community_id, convener, office, pdf};
use crate::support::{Client, TestApp};

/// A multipart body as a browser sends it: a title and a file.
fn multipart_body(boundary: &str, title: &str, name: &str, file: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n{title}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

fn random_mutations(rng: &mut rand::rngs::StdRng) -> Vec<linxuan_core::fuzzing::Mutation> {
    (0..rng.random_range(1..8)).map(|_| (rng.random(), rng.random(), rng.random())).collect()
}

async fn post_raw(client: &Client, path: &str, content_type: &str, body: Vec<u8>) -> StatusCode {
    let token = client.token().await;
    let sep = if path.contains('?') { '&' } else { '?' };
    let request = client
        .http()
        .post(client.url(&format!("{path}{sep}_csrf={token}")))
        .header("content-type", content_type.to_string())
        .body(body);
    match request.send().await {
        Ok(response) => response.status(),
        // The server may close the connection on a body it cannot read: that is an answer.
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

async fn uploads_and_imports_survive_anything(app: TestApp) {
    let (admin, links) = office(&app).await;
    let lin = convener(&app, &links[0]).await;
    let id = community_id(&lin).await;
    let cases = linxuan_core::fuzzing::cases(24);
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x11_2023_0612);
    let seed = multipart_body("Xb0undary", "成果報告", "報告.pdf", &pdf(3_000));
    let imports = [
        ("/office/schools/import", "code,name,level,district\n034999,新校,國小,桃園區\n".as_bytes().to_vec()),
        (
            "/office/communities/import",
            "社群代碼,學校代碼,類別,組別,社群名稱,召集人,召集人電子郵件\nE009,034750,初階,國小組,新社群,林老師,lin9@school.tyc.edu.tw\n"
                .as_bytes()
                .to_vec(),
        ),
        (
            "/office/review/import",
            "community,group,round,reviewer,criterion,score\nE001,basic-elementary,1,x@y.tw,richness,40\n".as_bytes().to_vec(),
        ),
        ("/office/plan/upload", linxuan_core::plan::BUILTIN_TOML.as_bytes().to_vec()),
    ];
    let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
    for case in 0..cases {
        // An upload: the body mutated, and now and then the boundary the header names.
        let body = linxuan_core::fuzzing::mutate(&seed, &random_mutations(&mut rng));
        let boundary = if rng.random_bool(0.2) { "Yb0undary" } else { "Xb0undary" };
        let path = format!("/community/{id}/files?category=lesson_plan&key=fuzz-key-{case:010}");
        let status = post_raw(&lin, &path, &format!("multipart/form-data; boundary={boundary}"), body).await;
        assert!(!status.is_server_error(), "upload case {case}: {status}");
        *statuses.entry(status.as_u16()).or_default() += 1;
        // An import: the file mutated, inside a well-formed form.
        let (target, file) = &imports[case as usize % imports.len()];
        let mutated = linxuan_core::fuzzing::mutate(file, &random_mutations(&mut rng));
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(mutated).file_name("import.csv"));
        let token = admin.token().await;
        let sep = if target.contains('?') { '&' } else { '?' };
        let page =
            admin.send(admin.http().post(admin.url(&format!("{target}{sep}_csrf={token}"))).multipart(form)).await;
        assert!(!page.status.is_server_error(), "import {target} case {case}: {} {}", page.status, page.body);
        // The server is still there.
        assert_eq!(app.client().get("/healthz").await.status, StatusCode::OK);
    }
    assert!(statuses.len() > 1, "the cases reached more than one answer: {statuses:?}");
    // Every stored upload is named by a row, and every row's file is there.
    let far = chrono::Utc::now() + chrono::Duration::days(1);
    let report = linxuan_store::check::files(&app.state.db, &app.state.files, far).await.unwrap();
    assert!(report.missing.is_empty(), "{report:?}");
    assert!(report.orphans.is_empty(), "{report:?}");
}

backends!(uploads_and_imports_survive_anything);

/// The presentation day's readers: the public registration form, the desk's walk-in form and
/// its scans (JSON), each body mutated. Never a server error; a registration is written whole
/// or not at all (each 303 is one row, nothing else is); no school ever holds two places; a scan
/// record is only ever made by an answered scan.
async fn the_presentation_days_forms_survive_anything(app: TestApp) {
    let admin = app.admin().await;
    let schools = "code,name,level,district\n034750,西門國小,國小,桃園區\n034601,文昌國中,國中,中壢區\n";
    admin.upload("/office/schools/import", "s.csv", schools.as_bytes().to_vec()).await;
    let desk = app.member(&admin, "desk@school.tyc.edu.tw", "staff").await;
    desk.get("/checkin").await;
    app.clock.set(linxuan_core::time::taipei(chrono::NaiveDate::from_ymd_opt(2023, 6, 20).unwrap(), 9, 0, 0));
    let visitor = app.client();
    visitor.get("/event/111/register").await;
    let school: String = {
        use sea_orm::{ConnectionTrait, Statement};
        let row = app
            .state
            .db
            .query_one_raw(Statement::from_string(
                app.state.db.get_database_backend(),
                "SELECT id FROM schools WHERE code = '034750'".to_string(),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i32>(0).unwrap().to_string()
    };
    let register = format!(
        "name=%E6%9E%97%E4%B8%80&school={school}&title=%E6%95%99%E5%B8%AB&email=a%40school.tyc.edu.tw&meal=veg&national_id=A123456789"
    );
    let walk_in = "name=%E8%B7%AF%E4%BA%BA&school=&school_other=%E6%9F%90%E6%A0%A1&meal=meat";
    let scan = r#"{"scan_id":"phone1-00000001","ticket":"LX-0123456789ABCDEF0123456789ABCDEF","kind":"in","at":"2023-06-20T01:00:00Z"}"#;
    let cases = linxuan_core::fuzzing::cases(24);
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x12_2023_0707);
    let mut registered = 0;
    for case in 0..cases {
        let body = linxuan_core::fuzzing::mutate(register.as_bytes(), &random_mutations(&mut rng));
        let status = post_raw(&visitor, "/event/111/register", "application/x-www-form-urlencoded", body).await;
        assert!(!status.is_server_error(), "registration case {case}: {status}");
        registered += u32::from(status == StatusCode::SEE_OTHER);
        let body = linxuan_core::fuzzing::mutate(walk_in.as_bytes(), &random_mutations(&mut rng));
        let status = post_raw(&desk, "/checkin/walk-in", "application/x-www-form-urlencoded", body).await;
        assert!(!status.is_server_error(), "walk-in case {case}: {status}");
        let body = linxuan_core::fuzzing::mutate(scan.as_bytes(), &random_mutations(&mut rng));
        let token = desk.token().await;
        let answer = desk
            .http()
            .post(desk.url("/checkin/scan"))
            .header("content-type", "application/json")
            .header("x-csrf-token", token)
            .body(body)
            .send()
            .await
            .map(|r| r.status())
            .unwrap_or(StatusCode::BAD_REQUEST);
        assert!(!answer.is_server_error(), "scan case {case}: {answer}");
        assert_eq!(app.client().get("/healthz").await.status, StatusCode::OK);
    }
    let count = |sql: &'static str| {
        let app = &app;
        async move {
            use sea_orm::{ConnectionTrait, Statement};
            let row = app
                .state
                .db
                .query_one_raw(Statement::from_string(app.state.db.get_database_backend(), sql.to_string()))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<i32>(0).unwrap()
        }
    };
    let public = count("SELECT CAST(COUNT(*) AS INTEGER) FROM registrations WHERE source = 'public'").await;
    assert_eq!(public as u32, registered, "each accepted registration is one row, nothing else is");
    let most = count(
        "SELECT CAST(COALESCE(MAX(n), 0) AS INTEGER) FROM (SELECT COUNT(*) AS n FROM registrations \
         WHERE status = 'registered' AND source = 'public' GROUP BY school_id) AS places",
    )
    .await;
    assert!(most <= 1, "no school holds two places ({most})");
}

backends!(the_presentation_days_forms_survive_anything);
