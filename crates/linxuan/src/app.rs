//! The running application: its state (database, files, clock, mail, limits) and how it starts.

use std::sync::Arc;

use chrono::Duration;
use linxuan_core::plan::{self, Plan};
use linxuan_core::time::Clock;
use linxuan_store::files::FileStore;
use linxuan_store::sessions::DbSessionStore;
use linxuan_store::tokens::{self, Purpose};
use linxuan_store::{Db, plans, users};

use crate::config::Config;
use crate::mail::Mailer;
use crate::secrets::Sealer;
use crate::web::limit::LoginLimiter;

/// Everything a request handler may need. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub files: FileStore,
    pub clock: Arc<dyn Clock>,
    pub config: Config,
    pub mailer: Mailer,
    pub login_limiter: LoginLimiter,
    /// `LINXUAN_TRUSTED_PROXIES`, parsed.
    pub trusted_proxies: Vec<crate::web::client::Network>,
    pub sessions: DbSessionStore,
    pub sealer: Sealer,
    /// Work done after a response is sent (mail that must not delay an answer).
    pub background: Background,
    /// Permits for the heaviest pages (the board, the progress board, the community list): one
    /// per core, so sixteen offices asking at once queue here instead of all building their
    /// thousands of rows and hundreds of kilobytes of HTML together — the same answers as fast,
    /// in a fraction of the memory.
    heavy: tokio::sync::Semaphore,
    /// What the heaviest pages computed, kept while the database stays the same.
    pub computed: crate::cache::Computed,
    /// Public pages as sent to anonymous visitors, kept while the database stays the same.
    pub pages: crate::cache::Pages,
    /// Plans as read from their TOML, by year, with a hash of the text they came from.
    parsed_plans: std::sync::Mutex<std::collections::HashMap<i32, (u64, Plan)>>,
    /// The PDF typesetter, made on first use: scanning the fonts reads tens of megabytes.
    typesetter: tokio::sync::OnceCell<Arc<linxuan_pdf::Typesetter>>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Inner {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Waits for a turn at one of the heaviest pages (see `heavy`).
    pub async fn heavy_page(&self) -> HeavyTurn<'_> {
        HeavyTurn(self.heavy.acquire().await.expect("the semaphore is never closed"))
    }

    /// A stored plan, read: every page needs its year's plan, and reading the TOML again each
    /// time was a noticeable part of a page's work. Kept by year with a hash of the text, so an
    /// edited plan is read afresh.
    pub fn plan_of(&self, stored: &linxuan_store::plans::StoredPlan) -> Result<Plan, linxuan_core::plan::ReadError> {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        stored.toml.hash(&mut hasher);
        let stamp = hasher.finish();
        let mut cache = self.parsed_plans.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((seen, plan)) = cache.get(&stored.academic_year)
            && *seen == stamp
        {
            return Ok(plan.clone());
        }
        let plan = Plan::from_toml(&stored.toml)?;
        cache.insert(stored.academic_year, (stamp, plan.clone()));
        Ok(plan)
    }

    /// An absolute link for e-mail and the console.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.config.public_url())
    }

    /// The PDF typesetter with the fonts of the data directory's `fonts/` and the system's.
    pub async fn typesetter(&self) -> Arc<linxuan_pdf::Typesetter> {
        let dirs = linxuan_pdf::Fonts::standard_dirs(Some(&self.config.data.join("fonts")));
        self.typesetter
            .get_or_init(|| async move {
                let made = tokio::task::spawn_blocking(move || {
                    let fonts = linxuan_pdf::Fonts::search(&dirs);
                    tracing::info!(
                        families = fonts.families().len(),
                        cjk = fonts.covers_cjk(),
                        "fonts for PDF documents"
                    );
                    linxuan_pdf::Typesetter::new(fonts)
                })
                .await
                .expect("scanning fonts does not panic");
                Arc::new(made)
            })
            .await
            .clone()
    }
}

/// Tasks that run after their request has been answered, and a way to wait until none is
/// left (tests, and a graceful stop).
#[derive(Default, Clone)]
pub struct Background(Arc<BackgroundInner>);

#[derive(Default)]
pub struct BackgroundInner {
    running: std::sync::atomic::AtomicUsize,
    done: tokio::sync::Notify,
}

impl Background {
    pub fn spawn(&self, work: impl Future<Output = ()> + Send + 'static) {
        use std::sync::atomic::Ordering;
        self.0.running.fetch_add(1, Ordering::SeqCst);
        let inner = self.0.clone();
        tokio::spawn(async move {
            work.await;
            if inner.running.fetch_sub(1, Ordering::SeqCst) == 1 {
                inner.done.notify_waiters();
            }
        });
    }

    /// Returns once every task spawned so far has finished.
    pub async fn idle(&self) {
        use std::sync::atomic::Ordering;
        loop {
            let done = self.0.done.notified();
            if self.0.running.load(Ordering::SeqCst) == 0 {
                return;
            }
            done.await;
        }
    }
}

/// A turn at one of the heaviest pages; when it ends, the memory it freed may go back to the
/// system (`crate::memory`).
pub struct HeavyTurn<'a>(#[allow(dead_code)] tokio::sync::SemaphorePermit<'a>);

impl Drop for HeavyTurn<'_> {
    fn drop(&mut self) {
        crate::memory::heavy_work_done();
    }
}

/// A built application, ready to serve.
pub struct App {
    pub state: AppState,
    /// The first administrator's one-time link, when there is no administrator yet.
    pub setup_link: Option<String>,
}

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Config(String),
    #[error("database: {0}")]
    Db(#[from] linxuan_store::DbErr),
    #[error("{0}")]
    Store(#[from] linxuan_store::StoreError),
}

/// How long the first administrator's link stays valid.
pub const SETUP_LINK_VALID: Duration = Duration::hours(24);

impl App {
    /// Connects storage, applies migrations, makes sure a plan exists and, when nobody can
    /// administer the platform yet, issues the one-time set-up link.
    pub async fn build(config: Config, clock: Arc<dyn Clock>, schema: Option<&str>) -> Result<App, StartError> {
        let database_url = config.database_url();
        if database_url.starts_with("sqlite:") {
            std::fs::create_dir_all(&config.data)
                .map_err(|e| StartError::Config(format!("cannot create {}: {e}", config.data.display())))?;
        }
        let db = Db::open(&database_url, schema).await?;
        let files = match &config.s3_bucket {
            Some(bucket) if !bucket.trim().is_empty() => FileStore::s3(bucket.trim())?,
            _ => FileStore::local(&config.data.join("files"))?,
        };
        match files.sweep_staging() {
            Ok(0) => {}
            Ok(n) => tracing::warn!(removed = n, "half-written uploads from an earlier stop removed"),
            Err(e) => tracing::warn!(error = %e, "cannot look for half-written uploads"),
        }
        let mailer = Mailer::new(config.smtp_url.as_deref(), &config.mail_from).map_err(StartError::Config)?;
        let sealer = Sealer::load(config.secret_key.as_deref(), &config.data).map_err(StartError::Config)?;
        let trusted_proxies = crate::web::client::trusted_proxies(&config.trusted_proxies);
        let state = AppState(Arc::new(Inner {
            sessions: DbSessionStore::new(db.clone()),
            db,
            files,
            clock,
            config,
            mailer,
            login_limiter: LoginLimiter::default(),
            trusted_proxies,
            sealer,
            background: Background::default(),
            parsed_plans: Default::default(),
            computed: Default::default(),
            pages: Default::default(),
            heavy: tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())),
            typesetter: tokio::sync::OnceCell::new(),
        }));
        ensure_plan(&state).await?;
        let setup_link = ensure_setup_link(&state).await?;
        Ok(App { state, setup_link })
    }
}

/// A fresh deployment starts with the built-in 111 Taoyuan plan.
async fn ensure_plan(state: &AppState) -> Result<(), StartError> {
    if plans::latest(&state.db).await?.is_none() {
        let builtin = Plan::builtin();
        debug_assert!(plan::validate(&builtin).is_empty());
        plans::insert(&state.db, builtin.academic_year, plan::BUILTIN_TOML, state.now()).await?;
    }
    Ok(())
}

/// While no administrator can sign in, every start issues a new one-time set-up link (valid
/// 24 hours) and retires the previous one: the link is only ever shown on the console.
async fn ensure_setup_link(state: &AppState) -> Result<Option<String>, StartError> {
    if users::count_usable_admins(&state.db).await? > 0 {
        return Ok(None);
    }
    let now = state.now();
    tokens::revoke(&state.db, Purpose::Setup, None, now).await?;
    let (secret, _) = tokens::issue(&state.db, Purpose::Setup, None, SETUP_LINK_VALID, now).await?;
    Ok(Some(state.link(&format!("/setup/{secret}"))))
}

/// How long a graceful stop waits for requests under way.
const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Serves the application on a bound listener until `shutdown` completes, then lets the
/// requests under way finish (for at most half a minute).
///
/// Each connection is served by hyper with a timeout on the request head, and every request
/// body with a timeout on stalling ([`crate::web::timeout`]): a client that opens a connection
/// and sends nothing, or stops half-way through an upload, does not hold the server's
/// resources for good.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    // How long a client may take to send a request's head, and how long a body may stall: a
    // phone on a weak line pauses for seconds, never for minutes.
    let head_timeout = std::time::Duration::from_secs(state.config.head_timeout_secs.max(1));
    let body_idle = std::time::Duration::from_secs(state.config.body_idle_timeout_secs.max(1));
    let router = crate::web::router(state);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors, a connection reset before accept: keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::task::yield_now().await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // A second handle on the socket, for closing it gently once hyper is done with it.
        let (stream, lingering) = match second_handle(stream) {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(error = %e, "cannot set up a connection");
                continue;
            }
        };
        let service = router.clone().map_request(move |request: axum::http::Request<hyper::body::Incoming>| {
            let mut request =
                request.map(|body| axum::body::Body::new(crate::web::timeout::IdleTimeout::new(body, body_idle)));
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            request
        });
        let service = hyper_util::service::TowerToHyperService::new(service);
        let mut stop = stop_rx.clone();
        connections.spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(head_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                }
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            linger(lingering).await;
        });
        // Forget connections that have ended.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!("stopping with requests still under way");
    }
    Ok(())
}

/// The stream for hyper and a second handle on the same socket (a duplicated descriptor): the
/// socket stays open after hyper drops its handle, until [`linger`] closes it.
fn second_handle(stream: tokio::net::TcpStream) -> std::io::Result<(tokio::net::TcpStream, std::net::TcpStream)> {
    let std_stream = stream.into_std()?;
    let other = std_stream.try_clone()?;
    Ok((tokio::net::TcpStream::from_std(std_stream)?, other))
}

/// Closes a connection gently ("lingering close", as web servers do): when the server answers
/// before the client has finished sending — an upload refused for its size or type, a retry
/// answered from the first attempt — closing at once would reset the connection and the
/// browser would show "connection reset" instead of the answer. So the sending side is shut
/// (the answer is complete), and what the client still sends is read and dropped until it
/// stops, pauses for two seconds, or half a minute or 256 MB have gone by.
async fn linger(socket: std::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut socket) = tokio::net::TcpStream::from_std(socket) else { return };
    let _ = socket.shutdown().await;
    let mut buf = vec![0u8; 64 * 1024];
    let mut dropped: u64 = 0;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while dropped < 256 << 20 {
        let pause =
            std::time::Duration::from_secs(2).min(deadline.saturating_duration_since(tokio::time::Instant::now()));
        match tokio::time::timeout(pause, socket.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => dropped += n as u64,
            _ => break,
        }
    }
}

/// Background chores: expired sessions are removed every hour.
pub fn spawn_housekeeping(state: AppState) {
    crate::memory::spawn_trimmer();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match state.sessions.delete_expired(chrono::Utc::now()).await {
                Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot remove expired sessions"),
            }
        }
    });
}
