//! Settings, layered: built-in defaults, then `linxuan.toml` in the working directory (when
//! present), then `LINXUAN_*` environment variables and `DATABASE_URL`, then command-line flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Where the server listens (`LINXUAN_ADDR`).
    pub addr: SocketAddr,
    /// The data directory: the SQLite database and the local file store (`LINXUAN_DATA`).
    pub data: PathBuf,
    /// `sqlite://…` or `postgres://…` (`DATABASE_URL`); default SQLite in the data directory.
    pub database_url: Option<String>,
    /// The address people use to reach the server, for links in e-mail
    /// (`LINXUAN_PUBLIC_URL`); default `http://ADDR`.
    pub public_url: Option<String>,
    /// `smtp://host:port`, `smtps://user:pass@host` … (`LINXUAN_SMTP_URL`). Without it, links
    /// that would be mailed are shown to the administrator instead.
    pub smtp_url: Option<String>,
    /// Sender of Linxuan's e-mail (`LINXUAN_MAIL_FROM`).
    pub mail_from: String,
    /// Keep files in this S3 bucket instead of the data directory (`LINXUAN_S3_BUCKET`;
    /// credentials and endpoint from `AWS_*`).
    pub s3_bucket: Option<String>,
    /// Mark cookies `Secure` (`LINXUAN_SECURE_COOKIES`); default: when the public URL is https.
    pub secure_cookies: Option<bool>,
    /// Key sealing national ID numbers at rest, 64 hex digits (`LINXUAN_SECRET_KEY`); default:
    /// `secret.key` in the data directory, created on first start.
    pub secret_key: Option<String>,
    /// Run the clock from this moment instead of now (`LINXUAN_NOW`, RFC 3339, e.g.
    /// `2023-03-01T10:00:00+08:00`): for demonstrations and browser tests of another year.
    pub now: Option<String>,
    /// Take the client address from `X-Forwarded-For` (`LINXUAN_TRUST_PROXY`), when a reverse
    /// proxy sits in front.
    pub trust_proxy: bool,
    /// The proxies whose `X-Forwarded-For` is believed (`LINXUAN_TRUSTED_PROXIES`): addresses
    /// or networks, comma-separated (`127.0.0.1, 10.0.0.0/8`). The client is the right-most
    /// hop that is not one of them. Default: this machine (`127.0.0.0/8, ::1`).
    pub trusted_proxies: String,
    /// Seconds a client may take to send a request's head (`LINXUAN_HEAD_TIMEOUT_SECS`).
    pub head_timeout_secs: u64,
    /// Seconds a request body may stall, nothing arriving, before the request is dropped
    /// (`LINXUAN_BODY_IDLE_TIMEOUT_SECS`).
    pub body_idle_timeout_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data: PathBuf::from("data"),
            database_url: None,
            public_url: None,
            smtp_url: None,
            mail_from: "Linxuan <linxuan@localhost>".into(),
            s3_bucket: None,
            secure_cookies: None,
            secret_key: None,
            now: None,
            trust_proxy: false,
            trusted_proxies: "127.0.0.0/8, ::1".into(),
            head_timeout_secs: 30,
            body_idle_timeout_secs: 60,
        }
    }
}

impl Config {
    /// Defaults, `linxuan.toml`, then the environment.
    pub fn load() -> Result<Config, Box<figment::Error>> {
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file("linxuan.toml"))
            .merge(Env::prefixed("LINXUAN_"))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .extract()
            .map_err(Box::new)
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| linxuan_store::db::sqlite_url(&self.data.join("linxuan.db")))
    }

    /// Base of every link Linxuan writes, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_string(),
            _ => format!("http://{}", self.addr),
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies.unwrap_or_else(|| self.public_url().starts_with("https://"))
    }
}
