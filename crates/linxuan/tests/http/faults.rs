//! Faults: the server killed (`kill -9`) in the middle of twenty uploads and of reviewers
//! submitting scores, a disk that fills up, and a backup restored into a fresh place — each on
//! SQLite and on PostgreSQL, against the real binary.
//!
//! After a kill nothing half-written is visible, no row names a missing file, a stored file no
//! row names is listed by `linxuan check` (and removed by `--clean`), SQLite's own check
//! passes, and the clients' retries complete — once each.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, FromQueryResult, JsonValue, Statement};
use sha2::{Digest, Sha256};

use crate::community::{COMMUNITIES, SCHOOLS, pdf, walk};
use crate::support::{Backend, Client, TestApp, postgres_url};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_linxuan")
}

fn unique(prefix: &str) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// Where a server process keeps its data: a data directory and, for PostgreSQL, a database of
/// its own (dropped at the end).
struct Place {
    data: PathBuf,
    database: Option<(String, String)>,
}

impl Place {
    async fn new(backend: Backend) -> Option<Place> {
        let data = std::env::temp_dir().join(unique("linxuan-fault"));
        std::fs::create_dir_all(&data).unwrap();
        let database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                if std::env::var("LINXUAN_TEST_PG").as_deref() == Ok("skip") {
                    return None;
                }
                let name = unique("lxf");
                let admin = Database::connect(postgres_url()).await.unwrap();
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
                admin.close().await.unwrap();
                let base = postgres_url();
                let url = format!("{}/{name}", &base[..base.rfind('/').unwrap()]);
                Some((name, url))
            }
        };
        Some(Place { data, database })
    }

    fn database_url(&self) -> String {
        match &self.database {
            Some((_, url)) => url.clone(),
            None => linxuan_store::db::sqlite_url(&self.data.join("linxuan.db")),
        }
    }

    /// `linxuan ARGS` on this place, with its output.
    fn linxuan(&self, args: &[&str]) -> (i32, String) {
        let mut command = Command::new(bin());
        command.args(args).arg("--data").arg(&self.data).env("LANG", "C.UTF-8").env_remove("LINXUAN_LANG");
        command.env("DATABASE_URL", self.database.as_ref().map_or("", |(_, url)| url.as_str()));
        let out = command.output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.code().unwrap_or(-1), text)
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data);
        if let Some((name, _)) = self.database.take() {
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async {
                    if let Ok(db) = Database::connect(postgres_url()).await {
                        let _ = db.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                        let _ = db.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// A `linxuan serve` process.
struct Server {
    child: Child,
    base: String,
    setup_link: Option<String>,
}

impl Server {
    /// Starts the binary on `place` with the clock at `now`; `wrap` runs it under another
    /// command (a private mount namespace, say). A fresh place prints its set-up link after
    /// its address; `first` says to wait for it.
    fn start(place: &Place, now: &str, first: bool, wrap: Option<&dyn Fn(&Path) -> Command>) -> Server {
        let mut command = match wrap {
            Some(wrap) => wrap(&place.data),
            None => Command::new(bin()),
        };
        command
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(&place.data)
            .env("LINXUAN_NOW", now)
            .env("RUST_LOG", "warn")
            .env("LINXUAN_SMTP_URL", "")
            .env("DATABASE_URL", place.database.as_ref().map_or("", |(_, url)| url.as_str()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = command.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut base = None;
        let mut setup_link = None;
        while let Some(Ok(line)) = lines.next() {
            if let Some(url) = line.strip_prefix("Linxuan: ") {
                base = Some(url.trim().to_string());
                if !first {
                    break;
                }
            }
            if let Some(i) = line.find("/setup/") {
                setup_link = Some(line[i..].trim().to_string());
                break;
            }
        }
        // Keep draining what it prints.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base: base.expect("the server printed its address"), setup_link }
    }

    fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// `kill -9`: no chance to finish anything.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn set_up_office(server: &Server) -> Client {
    let admin = server.client();
    let link = server.setup_link.clone().expect("a fresh server prints its set-up link");
    let page = admin
        .post(
            &link,
            &[
                ("name", "王承辦"),
                ("email", "office@tyc.edu.tw"),
                ("password", "correct horse 1"),
                ("confirm", "correct horse 1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    admin
}

async fn sign_in(server: &Server, email: &str, password: &str) -> Client {
    let client = server.client();
    let page = client.post("/login", &[("email", email), ("password", password)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{email}: {}", page.body);
    // Signing in begins a new session with a new form token: read it from a page.
    client.get("/account").await;
    client
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Every stored community file: its key under the data directory and its bytes' SHA-256.
fn stored_files(data: &Path) -> Vec<(String, String)> {
    let root = data.join("files");
    walk(&root)
        .into_iter()
        .map(|p| {
            let key = p.strip_prefix(&format!("{}/", root.display())).unwrap_or(&p).to_string();
            (key, sha(&std::fs::read(&p).unwrap()))
        })
        .collect()
}

#[derive(FromQueryResult, Debug)]
struct VersionRow {
    storage_key: String,
    sha256: String,
    upload_key: String,
}

async fn versions(place: &Place) -> Vec<VersionRow> {
    let db = linxuan_store::db::connect(&place.database_url(), None).await.unwrap();
    let rows = VersionRow::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        "SELECT storage_key, sha256, upload_key FROM file_versions ORDER BY id",
    ))
    .all(&db)
    .await
    .unwrap();
    db.close().await.unwrap();
    rows
}

/// An upload whose body comes in two halves, the second only when `go` is notified.
async fn upload_in_halves(
    client: &Client,
    path: String,
    name: String,
    bytes: Vec<u8>,
    go: Arc<tokio::sync::Notify>,
) -> Result<StatusCode, reqwest::Error> {
    let token = client.token().await;
    let boundary = "linxuan-fault-boundary";
    let mut head =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n")
            .into_bytes();
    let half = bytes.len() / 2;
    head.extend_from_slice(&bytes[..half]);
    let mut tail = bytes[half..].to_vec();
    tail.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(head) }).chain(
        futures_util::stream::once(async move {
            go.notified().await;
            Ok::<_, std::io::Error>(tail)
        }),
    );
    use futures_util::StreamExt;
    let response = client
        .http()
        .post(client.url(&format!("{path}&_csrf={token}")))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await?;
    Ok(response.status())
}

async fn killed_during_twenty_uploads(backend: Backend) {
    let Some(place) = Place::new(backend).await else { return };
    let mut server = Server::start(&place, "2023-03-01T10:00:00+08:00", true, None);
    let admin = set_up_office(&server).await;
    admin.upload("/office/schools/import", "s.csv", SCHOOLS.as_bytes().to_vec()).await;
    let page = admin.upload("/office/communities/import", "c.csv", COMMUNITIES.as_bytes().to_vec()).await;
    let link = page.attrs("input.link-box", "value").into_iter().next().expect("an invitation link");
    let path = link.split_once("://").map(|(_, rest)| rest[rest.find('/').unwrap()..].to_string()).unwrap();
    let lin = server.client();
    lin.post(&path, &[("name", "林老師"), ("password", "teaching is fun"), ("confirm", "teaching is fun")]).await;
    let id = crate::community::community_id(&lin).await;
    let lin = Arc::new(lin);
    // Twenty reports of 2 MB each: the first ten arrive whole, the other ten are half-way when
    // the power fails.
    let files: Vec<(String, Vec<u8>)> = (0..20)
        .map(|i| {
            let mut bytes = pdf(2_000_000);
            bytes[100..108].copy_from_slice(&(i as u64).to_le_bytes());
            (format!("fault-key-{i:010}"), bytes)
        })
        .collect();
    let mut tasks = Vec::new();
    for (i, (key, bytes)) in files.iter().enumerate() {
        let (lin, key, bytes) = (lin.clone(), key.clone(), bytes.clone());
        let path = format!("/community/{id}/files?category=report&key={key}");
        // The first ten send their second half at once; the others wait for ever.
        let go = Arc::new(tokio::sync::Notify::new());
        if i < 10 {
            go.notify_one();
        }
        tasks.push(tokio::spawn(async move { upload_in_halves(&lin, path, format!("v{i}.pdf"), bytes, go).await }));
    }
    for task in tasks.drain(..10) {
        assert_eq!(task.await.unwrap().unwrap(), StatusCode::SEE_OTHER);
    }
    let done = versions(&place).await.len();
    // Ten bodies are still open when the power fails.
    server.kill();
    for task in tasks {
        let _ = task.await;
    }
    assert_eq!(done, 10, "the first ten landed before the kill");

    // Back up again.
    let server = Server::start(&place, "2023-03-01T10:05:00+08:00", false, None);
    let stored = stored_files(&place.data);
    assert!(stored.iter().all(|(key, _)| !key.contains('#')), "no half-written file is visible: {stored:?}");
    let rows = versions(&place).await;
    for row in &rows {
        let on_disk = stored.iter().find(|(key, _)| *key == row.storage_key);
        assert_eq!(on_disk.map(|(_, s)| s), Some(&row.sha256), "{} is stored whole", row.storage_key);
    }
    let (code, out) = place.linxuan(&["check", "--min-age", "0"]);
    assert!(!out.contains("缺少檔案") && !out.contains("missing file"), "{out}");
    if backend == Backend::Sqlite {
        assert!(out.contains("integrity: ok") || out.contains("完整性： ok"), "{out}");
    }
    assert!(out.contains("the chain holds") || out.contains("鏈結完整"), "{out}");
    if code != 0 {
        // A file that arrived whole but whose row never committed: listed, and removed on request.
        assert!(out.contains("file no row names") || out.contains("沒有資料列記載的檔案"), "{out}");
        let (code, out) = place.linxuan(&["check", "--clean", "--min-age", "0"]);
        assert_eq!(code, 0, "{out}");
    }
    let (code, out) = place.linxuan(&["check", "--min-age", "0"]);
    assert_eq!(code, 0, "{out}");

    // Every client tries again with the same key: each upload lands exactly once.
    let lin = sign_in(&server, "lin@school.tyc.edu.tw", "teaching is fun").await;
    for (i, (key, bytes)) in files.iter().enumerate() {
        let page = lin
            .upload(&format!("/community/{id}/files?category=report&key={key}"), &format!("v{i}.pdf"), bytes.clone())
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "retry {i}: {}", page.body);
    }
    let rows = versions(&place).await;
    assert_eq!(rows.len(), 20, "twenty versions, none twice");
    for (key, bytes) in &files {
        let row = rows.iter().find(|r| r.upload_key == *key).expect("each upload once");
        assert_eq!(row.sha256, sha(bytes));
    }
    let (code, out) = place.linxuan(&["check", "--min-age", "0"]);
    assert_eq!(code, 0, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_during_twenty_uploads_sqlite() {
    killed_during_twenty_uploads(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_during_twenty_uploads_postgres() {
    killed_during_twenty_uploads(Backend::Postgres).await
}

const JUNIOR: &str = "code,school,track,group,name,convener,email\n\
J101,034601,初階,國中組,社群一,甲老師,j101@school.tyc.edu.tw\n\
J102,034602,初階,國中組,社群二,乙老師,j102@school.tyc.edu.tw\n\
J103,034601,初階,國中組,社群三,丙老師,j103@school.tyc.edu.tw\n\
J104,034602,初階,國中組,社群四,丁老師,j104@school.tyc.edu.tw\n\
J105,034601,初階,國中組,社群五,戊老師,j105@school.tyc.edu.tw\n\
J106,034602,初階,國中組,社群六,己老師,j106@school.tyc.edu.tw\n";

/// Which reviewer submits which assignment's page, with what.
type Submission = (usize, String, Vec<(String, String)>);

/// The form a reviewer submits for one assignment, as the scoring page sends it.
fn score_form(n: usize) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = [
        "operation",
        "co-planning",
        "observation",
        "debrief",
        "materials",
        "student-learning",
        "reflection",
        "sharing",
    ]
    .iter()
    .map(|i| (format!("i.{i}"), format!("{}", 5 + n % 5)))
    .collect();
    fields.push(("c.completeness".into(), "20".into()));
    fields.push(("completeness_reason".into(), "簽到表不齊".into()));
    fields.push(("comment".into(), format!("第 {n} 份評語")));
    fields.push(("action".into(), "submit".into()));
    fields
}

async fn killed_during_score_submissions(backend: Backend) {
    let Some(place) = Place::new(backend).await else { return };
    let mut server = Server::start(&place, "2023-06-14T10:00:00+08:00", true, None);
    let admin = set_up_office(&server).await;
    admin.upload("/office/schools/import", "s.csv", SCHOOLS.as_bytes().to_vec()).await;
    let page = admin.upload("/office/communities/import", "c.csv", JUNIOR.as_bytes().to_vec()).await;
    assert!(page.has("新增 6 個社群"), "{}", page.body);
    let mut reviewers = Vec::new();
    for (name, email) in [("王教授", "wang@ntnu.edu.tw"), ("陳教授", "chen@ncu.edu.tw"), ("林教授", "lin@nccu.edu.tw")]
    {
        let page = admin
            .post(
                "/office/review/reviewers",
                &[("name", name), ("email", email), ("affiliation", "大學"), ("school", "")],
            )
            .await;
        let link = page.attrs("input.link-box", "value").into_iter().next().expect("the link is shown without SMTP");
        let path = link.split_once("://").map(|(_, rest)| rest[rest.find('/').unwrap()..].to_string()).unwrap();
        let client = server.client();
        let ok = client
            .post(&path, &[("name", name), ("password", "reviewing 12345"), ("confirm", "reviewing 12345")])
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        reviewers.push((email, client));
    }
    let page = admin.post("/office/review/assign/round-1/auto", &[]).await;
    assert!(page.status.is_redirection(), "{}", page.body);
    // Every reviewer's assignments, and what each will submit.
    let mut work: Vec<Submission> = Vec::new();
    for (r, (_, client)) in reviewers.iter().enumerate() {
        let home = client.get("/review").await;
        for link in home.attrs("a[href^='/review/a/']", "href") {
            let n = work.len();
            work.push((r, link, score_form(n)));
        }
    }
    assert!(work.len() >= 6, "{} assignments", work.len());
    let reviewers = Arc::new(reviewers);
    let mut tasks = Vec::new();
    for (r, link, form) in work.clone() {
        let reviewers = reviewers.clone();
        tasks.push(tokio::spawn(async move {
            let client = &reviewers[r].1;
            let token = client.token().await;
            let mut all = vec![("_csrf".to_string(), token)];
            all.extend(form);
            client.http().post(client.url(&link)).form(&all).send().await.map(|r| r.status())
        }));
    }
    // The power fails once the first submissions are in.
    let mut answered = 0;
    while answered < 2 && !tasks.is_empty() {
        let _ = tasks.remove(0).await;
        answered += 1;
    }
    server.kill();
    for task in tasks {
        let _ = task.await;
    }

    let server = Server::start(&place, "2023-06-14T10:05:00+08:00", false, None);
    let (code, out) = place.linxuan(&["check", "--min-age", "0"]);
    assert_eq!(code, 0, "{out}");
    // Each reviewer's browser sends its form again: every one completes, none twice.
    let mut signed = Vec::new();
    for email in ["wang@ntnu.edu.tw", "chen@ncu.edu.tw", "lin@nccu.edu.tw"] {
        signed.push(sign_in(&server, email, "reviewing 12345").await);
    }
    for (r, link, form) in &work {
        let refs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let page = signed[*r].post(link, &refs).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{link}: {}", page.body);
    }
    let db = linxuan_store::db::connect(&place.database_url(), None).await.unwrap();
    let count = |sql: &'static str| {
        let db = &db;
        async move {
            #[derive(FromQueryResult)]
            struct N {
                n: i64,
            }
            N::find_by_statement(Statement::from_string(db.get_database_backend(), sql))
                .one(db)
                .await
                .unwrap()
                .unwrap()
                .n
        }
    };
    assert_eq!(count("SELECT COUNT(*) AS n FROM scores WHERE status = 'submitted'").await, work.len() as i64);
    assert_eq!(count("SELECT COUNT(*) AS n FROM score_versions").await, work.len() as i64, "one version each");
    db.close().await.unwrap();
    let (code, out) = place.linxuan(&["check", "--min-age", "0"]);
    assert_eq!(code, 0, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_during_score_submissions_sqlite() {
    killed_during_score_submissions(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_during_score_submissions_postgres() {
    killed_during_score_submissions(Backend::Postgres).await
}

/// Runs the server in a private mount namespace whose data directory is a small in-memory
/// file system: a disk that fills up, for this process only.
fn on_a_small_disk(megabytes: u32) -> impl Fn(&Path) -> Command {
    move |data: &Path| {
        let mut command = Command::new("unshare");
        command.args(["--mount", "--propagation", "private", "sh", "-c"]).arg(format!(
            "mount -t tmpfs -o size={megabytes}m linxuan-test \"$0\" && bin=\"$1\" && shift && exec \"$bin\" \"$@\""
        ));
        command.arg(data).arg(bin());
        command
    }
}

/// Whether this machine lets a test make a private mount namespace.
fn can_mount() -> bool {
    Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", "mount -t tmpfs -o size=1m t /mnt"])
        .status()
        .is_ok_and(|s| s.success())
}

async fn a_full_disk_refuses_clearly_and_loses_nothing(backend: Backend) {
    if !can_mount() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI must be able to test a full disk");
        eprintln!("SKIPPED: no private mount namespace here for the full-disk test");
        return;
    }
    let Some(place) = Place::new(backend).await else { return };
    let wrap = on_a_small_disk(24);
    let server = Server::start(&place, "2023-03-01T10:00:00+08:00", true, Some(&wrap));
    let admin = set_up_office(&server).await;
    admin.upload("/office/schools/import", "s.csv", SCHOOLS.as_bytes().to_vec()).await;
    let page = admin.upload("/office/communities/import", "c.csv", COMMUNITIES.as_bytes().to_vec()).await;
    let link = page.attrs("input.link-box", "value").into_iter().next().expect("an invitation link");
    let path = link.split_once("://").map(|(_, rest)| rest[rest.find('/').unwrap()..].to_string()).unwrap();
    let lin = server.client();
    lin.post(&path, &[("name", "林老師"), ("password", "teaching is fun"), ("confirm", "teaching is fun")]).await;
    let id = crate::community::community_id(&lin).await;
    // Files of 4 MB until the disk is full.
    let mut kept = Vec::new();
    let mut refused = None;
    for i in 0..12 {
        let mut bytes = pdf(4_000_000);
        bytes[100..108].copy_from_slice(&(i as u64).to_le_bytes());
        let page = lin
            .upload(
                &format!("/community/{id}/files?category=lesson_plan&key=full-key-{i:010}"),
                &format!("f{i}.pdf"),
                bytes.clone(),
            )
            .await;
        if page.status == StatusCode::SEE_OTHER {
            kept.push(bytes);
        } else {
            refused = Some(page);
            break;
        }
    }
    let refused = refused.expect("the disk filled up");
    assert_eq!(refused.status, StatusCode::INSUFFICIENT_STORAGE, "{}", refused.body);
    assert!(refused.has("儲存空間已滿"), "{}", refused.body);
    assert!(!kept.is_empty());
    // Everything stored before is still there, byte for byte, and the pages still work.
    let files = lin.get(&format!("/community/{id}/files")).await;
    assert_eq!(files.status, StatusCode::OK);
    let links = files.attrs("a[href*='/files/version/']", "href");
    let mut downloaded = Vec::new();
    for href in &links {
        let (status, bytes) = lin.get_bytes(href).await;
        assert_eq!(status, StatusCode::OK);
        downloaded.push(sha(&bytes));
    }
    for bytes in &kept {
        assert!(downloaded.contains(&sha(bytes)), "a file uploaded before the disk filled is intact");
    }
    // The database agrees, checked inside the server's own view of the disk.
    let pid = server.child.id().to_string();
    let mut check = Command::new("nsenter");
    check.args(["--target", &pid, "--mount", bin(), "check", "--min-age", "0", "--data"]).arg(&place.data);
    check.env("DATABASE_URL", place.database.as_ref().map_or("", |(_, url)| url.as_str())).env("LANG", "C.UTF-8");
    let out = check.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_sqlite() {
    a_full_disk_refuses_clearly_and_loses_nothing(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_postgres() {
    a_full_disk_refuses_clearly_and_loses_nothing(Backend::Postgres).await
}

/// Every row of every table, as JSON, in a stable order.
async fn every_row(db: &impl ConnectionTrait) -> Vec<(String, Vec<JsonValue>)> {
    let backend = db.get_database_backend();
    let tables_sql = match backend {
        sea_orm::DbBackend::Sqlite => {
            "SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        _ => {
            "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name"
        }
    };
    #[derive(FromQueryResult)]
    struct T {
        t: String,
    }
    let tables = T::find_by_statement(Statement::from_string(backend, tables_sql)).all(db).await.unwrap();
    let mut out = Vec::new();
    for T { t } in tables {
        let rows =
            JsonValue::find_by_statement(Statement::from_string(backend, format!("SELECT * FROM {t} ORDER BY 1")))
                .all(db)
                .await
                .unwrap();
        out.push((t, rows));
    }
    out
}

async fn backup_and_restore_round_trip(app: TestApp) {
    // A year with something in every corner: schools, communities, uploads, an import.
    let (admin, links) = crate::community::office(&app).await;
    let lin = crate::community::convener(&app, &links[0]).await;
    let id = crate::community::community_id(&lin).await;
    for (i, name) in ["報告.pdf", "教案.pdf"].iter().enumerate() {
        let category = if i == 0 { "report" } else { "lesson_plan" };
        let page = lin
            .upload(&format!("/community/{id}/files?category={category}&key=round-trip-{i:08}"), name, pdf(50_000 + i))
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
    lin.post(&format!("/community/{id}/members"), &[("name", "王老師"), ("national_id", "A123456789")]).await;
    drop(admin);
    let dest = app.dir.join("backup");
    let url = app.state.config.database_url();
    let url = if app.schema.is_some() { postgres_url() } else { url };
    let report = linxuan_store::backup::backup(
        &app.state.db,
        &url,
        app.schema.as_deref(),
        &app.state.files,
        &dest,
        Some(app.state.sealer.fingerprint().to_string()),
        linxuan_core::time::Clock::now(app.clock.as_ref()),
    )
    .await
    .unwrap();
    assert_eq!(report.files, walk(&app.dir.join("files")).len());
    // Restored into a fresh data directory (and, on PostgreSQL, a fresh database).
    let fresh = app.dir.join("restored");
    let (restored_url, restored_db_name) = match &app.schema {
        None => (linxuan_store::db::sqlite_url(&fresh.join("linxuan.db")), None),
        Some(_) => {
            let name = unique("lxr");
            let admin = Database::connect(postgres_url()).await.unwrap();
            admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
            admin.close().await.unwrap();
            let base = postgres_url();
            (format!("{}/{name}", &base[..base.rfind('/').unwrap()]), Some(name))
        }
    };
    std::fs::create_dir_all(&fresh).unwrap();
    let target_files = linxuan_store::files::FileStore::local(&fresh.join("files")).unwrap();
    let restored = linxuan_store::backup::restore(&dest, &restored_url, &target_files).await.unwrap();
    assert_eq!(restored.files, report.files);
    // Restoring again over it is refused.
    let again = linxuan_store::backup::restore(&dest, &restored_url, &target_files).await;
    assert!(again.is_err());
    // Every row the same, every file byte for byte.
    let restored_db = linxuan_store::db::connect(&restored_url, app.schema.as_deref()).await.unwrap();
    let before = every_row(&app.state.db).await;
    let after = every_row(&restored_db).await;
    let rows: usize = before.iter().map(|(_, rows)| rows.len()).sum();
    assert!(rows > 30, "{rows} rows");
    assert_eq!(before.len(), after.len(), "the same tables");
    for ((t1, r1), (t2, r2)) in before.iter().zip(&after) {
        assert_eq!(t1, t2);
        if t1 == "sessions" {
            continue;
        }
        assert_eq!(r1, r2, "table {t1}");
    }
    restored_db.close().await.unwrap();
    let original = stored_files(&app.dir);
    let copy = stored_files(&fresh);
    assert_eq!(original, copy, "every file, byte for byte (SHA-256)");
    if let Some(name) = restored_db_name {
        let admin = Database::connect(postgres_url()).await.unwrap();
        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        admin.close().await.unwrap();
    }
}

crate::backends!(backup_and_restore_round_trip);

#[test]
fn backup_and_restore_from_the_command_line() {
    let data = std::env::temp_dir().join(unique("linxuan-cli-restore"));
    let place = Place { data: data.clone(), database: None };
    std::fs::create_dir_all(&data).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let server = Server::start(&place, "2023-03-01T10:00:00+08:00", true, None);
        let admin = set_up_office(&server).await;
        admin.upload("/office/schools/import", "s.csv", SCHOOLS.as_bytes().to_vec()).await;
        drop(server);
    });
    let dest = data.join("backup");
    let (code, out) = place.linxuan(&["backup", dest.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(dest.join("manifest.json").exists());
    let fresh = Place { data: data.join("fresh"), database: None };
    // Without the key: restored, with a warning to put it in place.
    let (code, out) = fresh.linxuan(&["restore", dest.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("SHA-256"), "{out}");
    assert!(out.contains("secret.key"), "{out}");
    // Into a data directory that already has a database: refused, nothing touched.
    let (code, out) = fresh.linxuan(&["restore", dest.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    // With another key than the backup's: refused before anything is written.
    let other = Place { data: data.join("other"), database: None };
    std::fs::create_dir_all(&other.data).unwrap();
    std::fs::write(other.data.join("secret.key"), "11".repeat(32)).unwrap();
    let (code, out) = other.linxuan(&["restore", dest.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(!other.data.join("linxuan.db").exists());
    let (code, out) = fresh.linxuan(&["check", "--min-age", "0"]);
    assert_eq!(code, 0, "{out}");
    drop(fresh);
    drop(other);
}
