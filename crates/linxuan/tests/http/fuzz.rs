//! Fuzzing what the server reads from a request body: uploads (multipart, mutated, with any
//! boundary) and every import (schools, communities, paper scores, a plan). Never a server
//! error, never a stored file that no row names, and the server answers after each.
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
