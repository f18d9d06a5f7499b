//! The test harness: the real server on a random port, on SQLite (a temporary directory) or
//! PostgreSQL (a schema of its own on the machine's server), with a clock the test moves.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use linxuan::app::{App, AppState};
use linxuan::config::Config;
use linxuan_core::time::{FixedClock, taipei};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body once on SQLite and once on PostgreSQL: `backends!(my_test);` next to
/// `async fn my_test(app: TestApp)`.
#[macro_export]
macro_rules! backends {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = $crate::support::TestApp::start($crate::support::Backend::Sqlite).await {
                    super::$test(app).await
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::support::TestApp::start($crate::support::Backend::Postgres).await {
                    super::$test(app).await
                }
            }
        }
    )*};
}

/// Like `backends!`, for a test that sends mail: `async fn my_test(app: TestApp, sink: SmtpSink)`,
/// the server's SMTP pointed at the sink.
#[macro_export]
macro_rules! backends_with_mail {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            async fn run(backend: $crate::support::Backend) {
                let sink = $crate::support::SmtpSink::start();
                let url = sink.url.clone();
                if let Some(app) = $crate::support::TestApp::start_with(backend, |c| c.smtp_url = Some(url)).await {
                    super::$test(app, sink).await
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::support::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::support::Backend::Postgres).await
            }
        }
    )*};
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// The PostgreSQL server tests use.
pub fn postgres_url() -> String {
    std::env::var("LINXUAN_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// 2023-03-01 10:00 in Taipei: inside academic year 111, before the final deadline.
pub fn start_time() -> chrono::DateTime<chrono::Utc> {
    taipei(NaiveDate::from_ymd_opt(2023, 3, 1).unwrap(), 10, 0, 0)
}

pub struct TestApp {
    pub base: String,
    pub clock: Arc<FixedClock>,
    pub state: AppState,
    pub setup_link: Option<String>,
    pub dir: PathBuf,
    pub schema: Option<String>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    pub async fn start(backend: Backend) -> Option<TestApp> {
        Self::start_with(backend, |_| {}).await
    }

    /// Starts a server; `configure` may change settings (an SMTP sink, say) first.
    pub async fn start_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let dir = std::env::temp_dir().join(unique("linxuan-test"));
        std::fs::create_dir_all(&dir).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let mut config = Config { addr, data: dir.clone(), ..Config::default() };
        let mut schema = None;
        if backend == Backend::Postgres {
            if std::env::var("LINXUAN_TEST_PG").as_deref() == Ok("skip") {
                eprintln!("SKIPPED on PostgreSQL: LINXUAN_TEST_PG=skip");
                return None;
            }
            let name = unique("lx");
            let admin = Database::connect(postgres_url()).await.unwrap_or_else(|e| {
                panic!("PostgreSQL at {} is not reachable ({e}); set LINXUAN_TEST_PG=skip to skip", postgres_url())
            });
            admin.execute_unprepared(&format!("CREATE SCHEMA {name}")).await.unwrap();
            admin.close().await.unwrap();
            config.database_url = Some(postgres_url());
            schema = Some(name);
        }
        configure(&mut config);
        let clock = Arc::new(FixedClock::new(start_time()));
        let app = App::build(config, clock.clone(), schema.as_deref()).await.expect("the app starts");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state = app.state.clone();
        tokio::spawn(async move {
            linxuan::app::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Some(TestApp {
            base: format!("http://{addr}"),
            clock,
            state: app.state,
            setup_link: app.setup_link,
            dir,
            schema,
            shutdown: Some(tx),
        })
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// A signed-in first administrator, through the one-time set-up link.
    pub async fn admin(&self) -> Client {
        let client = self.client();
        let link = self.setup_link.clone().expect("a fresh app has a set-up link");
        let path = link.strip_prefix(&self.base).unwrap().to_string();
        let page = client.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let page = client
            .post(
                &path,
                &[
                    ("name", "王承辦"),
                    ("email", "office@tyc.edu.tw"),
                    ("password", "correct horse 1"),
                    ("confirm", "correct horse 1"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(page.location.as_deref(), Some("/office"));
        client
    }

    /// Invites someone as the admin, accepts the invitation in a fresh browser, and returns it
    /// signed in.
    pub async fn member(&self, admin: &Client, email: &str, role: &str) -> Client {
        let page = admin.post("/office/users", &[("email", email), ("name", "測試人員"), ("role", role)]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let link = page.find_link("/invite/").expect("the invitation link is shown when no SMTP is configured");
        let client = self.client();
        let accepted = client
            .post(&link, &[("name", "測試人員"), ("password", "a long secret 9"), ("confirm", "a long secret 9")])
            .await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
        client
    }

    /// A connection of its own to the app's database, as another process (the CLI, a second
    /// server) would have.
    pub async fn outside(&self) -> sea_orm::DatabaseConnection {
        match &self.schema {
            Some(schema) => {
                let mut options = sea_orm::ConnectOptions::new(postgres_url());
                options.max_connections(1).set_schema_search_path(schema.clone());
                Database::connect(options).await.unwrap()
            }
            None => Database::connect(linxuan_store::db::sqlite_url(&self.dir.join("linxuan.db"))).await.unwrap(),
        }
    }

    /// Runs SQL straight on the app's database (for checks behind the app's back).
    pub async fn sql(&self, sql: &str) -> Result<u64, sea_orm::DbErr> {
        self.state.db.execute_unprepared(sql).await.map(|r| r.rows_affected())
    }

    pub async fn count(&self, table: &str) -> i64 {
        use sea_orm::{FromQueryResult, Statement};
        #[derive(FromQueryResult)]
        struct Count {
            n: i64,
        }
        let backend = self.state.db.get_database_backend();
        Count::find_by_statement(Statement::from_string(backend, format!("SELECT COUNT(*) AS n FROM {table}")))
            .one(&self.state.db)
            .await
            .unwrap()
            .unwrap()
            .n
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(schema) = self.schema.take() {
            // Drop the schema from a thread of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async {
                    if let Ok(db) = Database::connect(postgres_url()).await {
                        let _ = db.execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await;
                        let _ = db.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// What a request came back with.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub body: String,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    pub fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    /// The page parsed as a browser would.
    pub fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.body)
    }

    /// The text of every element matching a CSS selector, whitespace collapsed.
    pub fn texts(&self, css: &str) -> Vec<String> {
        let selector = scraper::Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e:?}"));
        self.html()
            .select(&selector)
            .map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    }

    /// The text of the first table row (`tr`) whose text mentions `text`, whitespace collapsed.
    pub fn row(&self, text: &str) -> Option<String> {
        self.texts("tr").into_iter().find(|r| r.contains(text))
    }

    /// An attribute of every element matching a CSS selector (that has it).
    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        let selector = scraper::Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e:?}"));
        self.html().select(&selector).filter_map(|e| e.value().attr(attr).map(str::to_string)).collect()
    }

    /// The `attr` of the first element matching `css` inside the table row that mentions `text`.
    pub fn attr_in_row(&self, text: &str, css: &str, attr: &str) -> Option<String> {
        let rows = scraper::Selector::parse("tr").unwrap();
        let inner = scraper::Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e:?}"));
        let html = self.html();
        let row = html.select(&rows).find(|r| r.text().any(|t| t.contains(text)))?;
        row.select(&inner).find_map(|e| e.value().attr(attr).map(str::to_string))
    }

    /// The `action` of the first form matching a CSS selector.
    pub fn form_action(&self, css: &str) -> Option<String> {
        self.attrs(css, "action").into_iter().next()
    }

    /// The first link (href or input value) containing `marker`, as a path.
    pub fn find_link(&self, marker: &str) -> Option<String> {
        let start = self.body.find(marker)?;
        let before = &self.body[..start];
        let open = before.rfind('"')?;
        let rest = &self.body[open + 1..];
        let end = rest.find('"')?;
        let url = &rest[..end];
        Some(match url.find("://") {
            Some(i) => url[i + 3..].find('/').map(|j| url[i + 3 + j..].to_string()).unwrap_or_default(),
            None => url.to_string(),
        })
    }

    /// The first `href` after `anchor` (some text on the page) that starts with `prefix`.
    pub fn href_after(&self, anchor: &str, prefix: &str) -> Option<String> {
        let body = &self.body[self.body.find(anchor)?..];
        let marker = format!("href=\"{prefix}");
        let start = body.find(&marker)? + "href=\"".len();
        let end = body[start..].find('"')?;
        Some(body[start..start + end].to_string())
    }

    /// The page's CSRF token.
    pub fn csrf(&self) -> Option<String> {
        let marker = "name=\"csrf-token\" content=\"";
        let start = self.body.find(marker)? + marker.len();
        Some(self.body[start..start + 64].to_string())
    }
}

/// A browser-like client: keeps cookies, does not follow redirects, fills in the CSRF token.
pub struct Client {
    http: reqwest::Client,
    base: String,
    csrf: Mutex<Option<String>>,
}

impl Client {
    pub fn new(base: &str) -> Self {
        let http =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Client { http, base: base.to_string(), csrf: Mutex::new(None) }
    }

    async fn page(&self, response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let location = headers.get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = response.text().await.unwrap_or_default();
        let page = Page { status, body, location, headers };
        if let Some(token) = page.csrf() {
            *self.csrf.lock().unwrap() = Some(token);
        }
        page
    }

    pub async fn get(&self, path: &str) -> Page {
        let response = self.http.get(format!("{}{path}", self.base)).send().await.unwrap();
        self.page(response).await
    }

    pub async fn get_bytes(&self, path: &str) -> (StatusCode, Vec<u8>) {
        let response = self.http.get(format!("{}{path}", self.base)).send().await.unwrap();
        (response.status(), response.bytes().await.unwrap().to_vec())
    }

    /// The CSRF token of this client's session (loads a page when none is known yet).
    pub async fn token(&self) -> String {
        if let Some(token) = self.csrf.lock().unwrap().clone() {
            return token;
        }
        self.get("/login").await.csrf().expect("pages carry a CSRF token")
    }

    /// Posts a form with the session's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.token().await;
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts a form exactly as given (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self.http.post(format!("{}{path}", self.base)).form(fields).send().await.unwrap();
        self.page(response).await
    }

    /// Uploads one file as the `file` field of a multipart form, token in the query.
    pub async fn upload(&self, path: &str, file_name: &str, bytes: Vec<u8>) -> Page {
        let token = self.token().await;
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        let sep = if path.contains('?') { '&' } else { '?' };
        let response =
            self.http.post(format!("{}{path}{sep}_csrf={token}", self.base)).multipart(form).send().await.unwrap();
        self.page(response).await
    }
}

impl Client {
    /// The underlying HTTP client (cookies shared), for requests the helpers do not make.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// An absolute URL of a path on the test server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request built on [`Client::http`] and reads the answer as a page.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Page {
        let response = request.send().await.unwrap();
        self.page(response).await
    }

    /// Uploads as the page's script does: asking for a JSON answer.
    pub async fn upload_json(&self, path: &str, file_name: &str, bytes: Vec<u8>) -> Page {
        let token = self.token().await;
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        let sep = if path.contains('?') { '&' } else { '?' };
        let response = self
            .http
            .post(format!("{}{path}{sep}_csrf={token}", self.base))
            .header("accept", "application/json")
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.page(response).await
    }
}

/// A real SMTP server on a random local port that keeps what it receives.
pub struct SmtpSink {
    pub url: String,
    pub received: Arc<Mutex<Vec<String>>>,
}

/// Holds a slow mail server's answers until opened (a mail server that takes its time).
#[derive(Clone, Default)]
pub struct Gate(Arc<(Mutex<bool>, std::sync::Condvar)>);

impl Gate {
    pub fn open(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }

    fn wait(&self) {
        let mut open = self.0.0.lock().unwrap();
        while !*open {
            open = self.0.1.wait(open).unwrap();
        }
    }
}

#[derive(Clone)]
struct Keep {
    received: Arc<Mutex<Vec<String>>>,
    current: Vec<u8>,
    gate: Option<Gate>,
}

impl mailin_embedded::Handler for Keep {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, _to: &[String]) -> mailin_embedded::Response {
        if let Some(gate) = &self.gate {
            gate.wait();
        }
        self.current.clear();
        mailin_embedded::response::OK
    }
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> mailin_embedded::Response {
        self.received.lock().unwrap().push(String::from_utf8_lossy(&self.current).into_owned());
        mailin_embedded::response::OK
    }
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        Self::start_with(None)
    }

    /// A sink that takes no message until `gate` is opened.
    pub fn start_gated(gate: Gate) -> SmtpSink {
        Self::start_with(Some(gate))
    }

    fn start_with(gate: Option<Gate>) -> SmtpSink {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let mut server = mailin_embedded::Server::new(Keep { received: received.clone(), current: Vec::new(), gate });
        server.with_name("sink.test").with_ssl(mailin_embedded::SslConfig::None).unwrap().with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpSink { url: format!("smtp://127.0.0.1:{port}"), received }
    }

    pub fn messages(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }
}

/// Decodes the quoted-printable or base64 text body of a received message well enough to find
/// a link in it.
pub fn mail_text(raw: &str) -> String {
    let unfolded = raw.replace("=\r\n", "").replace("=\n", "");
    let mut out = String::new();
    let bytes = unfolded.as_bytes();
    let mut i = 0;
    let mut decoded = Vec::new();
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            decoded.push(u8::from_str_radix(&unfolded[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    out.push_str(&String::from_utf8_lossy(&decoded));
    out
}
