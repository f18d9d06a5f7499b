//! What each subcommand does.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use linxuan_core::Lang;
use linxuan_core::plan::{self, Plan};
use linxuan_core::time::SystemClock;
use linxuan_store::audit::Actor;
use linxuan_store::db;

use super::{Cli, Command, DataArgs, EXIT_BAD_INPUT, ImportCommand, PlanCommand, RoleArg, UserCommand};
use crate::app::App;
use crate::config::Config;
use crate::import;

pub fn run(cli: Cli) -> ExitCode {
    let lang = cli
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .or_else(|| std::env::var("LINXUAN_LANG").ok().as_deref().and_then(Lang::parse))
        .or_else(|| {
            ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .filter_map(|k| std::env::var(k).ok())
                .find(|v| !v.is_empty())
                .and_then(|v| Lang::parse(&v))
        })
        .unwrap_or(Lang::En);
    let say = |zh: &str, en: &str| -> String { crate::i18n::pick(lang, zh, en).to_string() };
    match cli.command {
        None => serve(None, DataArgs::default(), lang),
        Some(Command::Serve { addr, data }) => serve(addr, data, lang),
        Some(Command::Migrate { data }) => with_runtime(async {
            let config = config(&data, lang)?;
            let url = config.database_url();
            if url.starts_with("sqlite:") {
                std::fs::create_dir_all(&config.data).map_err(|e| fail(format!("{}: {e}", config.data.display())))?;
            }
            let conn = db::connect(&url, None).await.map_err(|e| fail(e.to_string()))?;
            db::migrate(&conn).await.map_err(|e| fail(e.to_string()))?;
            let (applied, pending) = db::migration_status(&conn).await.map_err(|e| fail(e.to_string()))?;
            println!("{} ({applied}, {pending})", say("資料庫結構已是最新", "database schema is up to date"));
            Ok(())
        }),
        Some(Command::Plan(PlanCommand::Show)) => {
            print!("{}", plan::BUILTIN_TOML);
            ExitCode::SUCCESS
        }
        Some(Command::Plan(PlanCommand::Check { file })) => plan_check(&file, lang),
        Some(Command::Import(ImportCommand::Schools { file, data })) => with_runtime(async {
            let bytes = read_input(&file, lang)?;
            let rows = match import::schools::parse(&bytes, &linxuan_docs::table::Limits::DEFAULT) {
                Ok(rows) => rows,
                Err(problems) => {
                    for p in &problems {
                        eprintln!("{}:{}", file.display(), p.render(lang));
                    }
                    return Err(CliError::BadInput(String::new()));
                }
            };
            let app = open(&data, lang).await?;
            let summary = import::schools::apply(&app.state, &rows, &Actor::cli(), &bytes)
                .await
                .map_err(|e| fail(e.to_string()))?;
            println!("{}", summary.render(lang));
            Ok(())
        }),
        Some(Command::User(UserCommand::Add { email, name, role, data })) => with_runtime(async {
            if !linxuan_core::people::looks_like_email(&email) {
                return Err(CliError::BadInput(say(
                    &format!("「{email}」不是電子郵件地址"),
                    &format!("\"{email}\" is not an e-mail address"),
                )));
            }
            if name.trim().is_empty() {
                return Err(CliError::BadInput(say("姓名不可空白", "the name must not be empty")));
            }
            let app = open(&data, lang).await?;
            let role = match role {
                RoleArg::Admin => "admin",
                RoleArg::Convener => "convener",
                RoleArg::Reviewer => "reviewer",
                RoleArg::Staff => "staff",
            };
            let invited = crate::accounts::invite(&app.state, &Actor::cli(), &email, &name, role, lang).await.map_err(
                |e| match e {
                    crate::accounts::InviteError::Taken => CliError::BadInput(say(
                        &format!("{email} 已有帳號"),
                        &format!("{email} already has an account"),
                    )),
                    other => fail(other.to_string()),
                },
            )?;
            println!(
                "{}",
                say(
                    "已建立帳號；請將此一次性連結交給對方設定密碼：",
                    "account created; give this one-time link to the person to set a password:"
                )
            );
            println!("{}", invited.link);
            Ok(())
        }),
        Some(Command::Backup { dest, data }) => with_runtime(async {
            let app = open(&data, lang).await?;
            let url = app.state.config.database_url();
            let fingerprint = Some(app.state.sealer.fingerprint().to_string());
            let now = app.state.now();
            let report =
                linxuan_store::backup::backup(&app.state.db, &url, None, &app.state.files, &dest, fingerprint, now)
                    .await
                    .map_err(|e| match e {
                        linxuan_store::StoreError::Other(m) => CliError::BadInput(m),
                        other => fail(other.to_string()),
                    })?;
            println!(
                "{} {} ({} {})",
                say("備份完成：", "backup written:"),
                report.database.display(),
                report.files,
                say("個檔案", "files")
            );
            if app.state.config.secret_key.as_deref().is_none_or(|k| k.trim().is_empty()) {
                println!(
                    "{} {}",
                    say(
                        "注意：加密身分證字號的金鑰不在備份中，請另外妥善保存：",
                        "note: the key sealing national ID numbers is not in the backup; keep a copy of it elsewhere:"
                    ),
                    app.state.config.data.join("secret.key").display()
                );
            }
            Ok(())
        }),
        Some(Command::Restore { backup, data }) => with_runtime(restore(backup, data, lang)),
        Some(Command::Check { clean, min_age, data }) => check(clean, min_age, data, lang),
        Some(Command::Allocate { scores, plan, format, out }) => {
            super::allocate::run(&scores, plan.as_deref(), format, out.as_deref(), lang)
        }
    }
}

/// A command's failure: input the user must fix (exit 2) or anything else (exit 1).
pub enum CliError {
    BadInput(String),
    Failed(String),
}

fn fail(message: String) -> CliError {
    CliError::Failed(message)
}

fn with_runtime(work: impl Future<Output = Result<(), CliError>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(work) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::BadInput(message)) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            ExitCode::from(EXIT_BAD_INPUT)
        }
        Err(CliError::Failed(message)) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn config(data: &DataArgs, lang: Lang) -> Result<Config, CliError> {
    let mut config = Config::load().map_err(|e| {
        CliError::BadInput(crate::i18n::pick(lang, &format!("設定有誤：{e}"), &format!("bad setting: {e}")).to_string())
    })?;
    if let Some(dir) = &data.data {
        config.data = dir.clone();
    }
    Ok(config)
}

async fn open(data: &DataArgs, lang: Lang) -> Result<App, CliError> {
    let config = config(data, lang)?;
    App::build(config, Arc::new(SystemClock), None).await.map_err(|e| fail(e.to_string()))
}

pub(super) fn read_input(path: &Path, lang: Lang) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| {
        CliError::BadInput(
            crate::i18n::pick(
                lang,
                &format!("無法讀取 {}：{e}", path.display()),
                &format!("cannot read {}: {e}", path.display()),
            )
            .to_string(),
        )
    })
}

/// The file store the settings name (a local directory or an S3 bucket), without starting
/// anything else.
fn file_store(config: &Config) -> Result<linxuan_store::files::FileStore, CliError> {
    let store = match &config.s3_bucket {
        Some(bucket) if !bucket.trim().is_empty() => linxuan_store::files::FileStore::s3(bucket.trim()),
        _ => linxuan_store::files::FileStore::local(&config.data.join("files")),
    };
    store.map_err(|e| fail(e.to_string()))
}

/// `linxuan restore BACKUP`: into a fresh data directory or empty database only.
async fn restore(backup: std::path::PathBuf, data: DataArgs, lang: Lang) -> Result<(), CliError> {
    let say = |zh: &str, en: &str| crate::i18n::pick(lang, zh, en).to_string();
    let config = config(&data, lang)?;
    let manifest = linxuan_store::backup::read_manifest(&backup).map_err(|e| CliError::BadInput(e.to_string()))?;
    // The sealed national ID numbers open only with the key they were sealed with.
    let key =
        crate::secrets::Sealer::existing(config.secret_key.as_deref(), &config.data).map_err(CliError::BadInput)?;
    match (&manifest.key_fingerprint, &key) {
        (Some(wanted), Some(key)) if key.fingerprint() != wanted => {
            return Err(CliError::BadInput(say(
                "資料目錄中的金鑰（secret.key 或 LINXUAN_SECRET_KEY）不是這份備份所用的金鑰：加密的身分證字號將無法讀取。請放入備份當時的金鑰後再還原。",
                "the key at hand (secret.key or LINXUAN_SECRET_KEY) is not the one this backup was sealed with: the sealed national ID numbers could not be read. Put the backup's key in place and restore again.",
            )));
        }
        (Some(_), None) => eprintln!(
            "{} {}",
            say(
                "注意：尚未放入加密身分證字號的金鑰；啟動前請把備份當時的 secret.key 複製到",
                "note: the key sealing national ID numbers is not here yet; before starting, copy the backup's secret.key to"
            ),
            config.data.join("secret.key").display()
        ),
        _ => {}
    }
    if config.database_url().starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data).map_err(|e| fail(format!("{}: {e}", config.data.display())))?;
    }
    let files = file_store(&config)?;
    let report =
        linxuan_store::backup::restore(&backup, &config.database_url(), &files).await.map_err(|e| match e {
            linxuan_store::StoreError::Other(m) => CliError::BadInput(m),
            other => fail(other.to_string()),
        })?;
    println!(
        "{}",
        crate::i18n::pick(
            lang,
            &format!(
                "還原完成：資料庫與 {} 個檔案（{} 位元組），每個檔案的 SHA-256 都與備份相符",
                report.files, report.bytes
            ),
            &format!(
                "restored: the database and {} files ({} bytes), each file's SHA-256 the same as in the backup",
                report.files, report.bytes
            ),
        )
    );
    Ok(())
}

/// `linxuan check`: exit 0 when all is well, 1 when anything needs attention.
fn check(clean: bool, min_age: i64, data: DataArgs, lang: Lang) -> ExitCode {
    let say = |zh: &str, en: &str| crate::i18n::pick(lang, zh, en).to_string();
    let work = async {
        let config = config(&data, lang)?;
        let url = config.database_url();
        if url.starts_with("sqlite:") && linxuan_store::db::sqlite_path(&url).is_some_and(|p| !p.exists()) {
            return Err(CliError::BadInput(say(
                &format!("{} 沒有資料庫", config.data.display()),
                &format!("there is no database in {}", config.data.display()),
            )));
        }
        let db = linxuan_store::db::connect(&url, None).await.map_err(|e| fail(e.to_string()))?;
        let (_, pending) = linxuan_store::db::migration_status(&db).await.map_err(|e| fail(e.to_string()))?;
        if pending > 0 {
            return Err(CliError::BadInput(say(
                "資料庫結構不是最新的，請先執行 linxuan migrate",
                "the database schema is not up to date: run linxuan migrate first",
            )));
        }
        let files = file_store(&config)?;
        let mut healthy = true;
        match linxuan_store::check::integrity(&db).await.map_err(|e| fail(e.to_string()))? {
            Some(result) if result == "ok" => println!("{} ok", say("資料庫完整性：", "database integrity:")),
            Some(result) => {
                healthy = false;
                println!("{} {result}", say("資料庫完整性有問題：", "database integrity problem:"));
            }
            None => println!(
                "{}",
                say("資料庫完整性：由 PostgreSQL 自行檢查", "database integrity: checked by PostgreSQL itself")
            ),
        }
        let chain = linxuan_store::audit::verify_chain(&db).await.map_err(|e| fail(e.to_string()))?;
        if chain.broken.is_empty() {
            println!(
                "{}",
                crate::i18n::pick(
                    lang,
                    &format!("異動紀錄：{} 筆，鏈結完整；最後一筆的雜湊 {}", chain.entries, chain.head),
                    &format!(
                        "audit log: {} entries, the chain holds; the last entry's hash {}",
                        chain.entries, chain.head
                    ),
                )
            );
        } else {
            healthy = false;
            for (id, why) in &chain.broken {
                println!("{} {id}: {why}", say("異動紀錄鏈結中斷：第", "audit log chain broken at entry"));
            }
        }
        let before = chrono::Utc::now() - chrono::Duration::seconds(min_age.max(0));
        let report = linxuan_store::check::files(&db, &files, before).await.map_err(|e| fail(e.to_string()))?;
        println!(
            "{}",
            crate::i18n::pick(
                lang,
                &format!("檔案：存放 {} 個，資料庫記載 {} 個", report.stored, report.named),
                &format!("files: {} stored, {} named by the database", report.stored, report.named),
            )
        );
        for (what, key) in &report.missing {
            healthy = false;
            println!("{} {key} ({what})", say("缺少檔案：", "missing file:"));
        }
        for staging in &report.staging {
            println!("{} {staging}", say("未完成的暫存檔：", "staging file of a write cut short:"));
        }
        for orphan in &report.orphans {
            println!(
                "{} {} ({} bytes, {})",
                say("沒有資料列記載的檔案：", "file no row names:"),
                orphan.key,
                orphan.size,
                orphan.modified.to_rfc3339()
            );
        }
        if clean {
            let removed = files.sweep_staging().map_err(|e| fail(e.to_string()))?;
            for orphan in &report.orphans {
                files.delete(&orphan.key).await.map_err(|e| fail(e.to_string()))?;
            }
            println!(
                "{}",
                crate::i18n::pick(
                    lang,
                    &format!("已清除 {} 個孤兒檔與 {removed} 個暫存檔", report.orphans.len()),
                    &format!("removed {} orphans and {removed} staging files", report.orphans.len()),
                )
            );
        } else if !report.orphans.is_empty() || !report.staging.is_empty() {
            healthy = false;
            println!("{}", say("以 linxuan check --clean 清除", "remove them with linxuan check --clean"));
        }
        if healthy { Ok(()) } else { Err(CliError::Failed(say("檢查發現問題", "the check found problems"))) }
    };
    with_runtime(work)
}

fn plan_check(file: &Path, lang: Lang) -> ExitCode {
    let text = match std::fs::read(file) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                eprintln!("{}: {}", file.display(), crate::i18n::pick(lang, "不是 UTF-8 文字檔", "is not UTF-8 text"));
                return ExitCode::from(EXIT_BAD_INPUT);
            }
        },
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let plan = match Plan::from_toml(&text) {
        Ok(plan) => plan,
        Err(e) => {
            let place = match (e.line, e.column) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}", file.display()),
                _ => file.display().to_string(),
            };
            eprintln!("{place}: {}", e.message);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let problems = plan::validate(&plan);
    if problems.is_empty() {
        println!(
            "{}",
            crate::i18n::pick(
                lang,
                &format!("{}：計畫無誤（{} 學年度）", file.display(), plan.academic_year),
                &format!("{}: the plan is valid (academic year {})", file.display(), plan.academic_year)
            )
        );
        return ExitCode::SUCCESS;
    }
    let mut err = std::io::stderr().lock();
    for problem in &problems {
        let _ = writeln!(err, "{}", problem.render(lang));
    }
    let _ = writeln!(
        err,
        "{}",
        crate::i18n::pick(lang, &format!("共 {} 個問題", problems.len()), &format!("{} problem(s)", problems.len()))
    );
    ExitCode::from(EXIT_BAD_INPUT)
}

fn serve(addr: Option<String>, data: DataArgs, lang: Lang) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn")),
        )
        .init();
    with_runtime(async move {
        let mut config = config(&data, lang)?;
        if let Some(addr) = addr {
            config.addr = addr.parse().map_err(|_| {
                CliError::BadInput(
                    crate::i18n::pick(
                        lang,
                        &format!("「{addr}」不是位址，例如 127.0.0.1:8080"),
                        &format!("\"{addr}\" is not an address such as 127.0.0.1:8080"),
                    )
                    .to_string(),
                )
            })?;
        }
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|e| fail(format!("cannot listen on {}: {e}", config.addr)))?;
        // With port 0 the system picks one: links must name the port actually bound.
        let bound = listener.local_addr().map_err(|e| fail(e.to_string()))?;
        config.addr = bound;
        let clock: Arc<dyn linxuan_core::time::Clock> = match config
            .now
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(text) => {
                let start = chrono::DateTime::parse_from_rfc3339(text).map_err(|_| {
                    CliError::BadInput(format!("LINXUAN_NOW {text:?} is not a time such as 2023-03-01T10:00:00+08:00"))
                })?;
                tracing::warn!(from = %text, "the clock is shifted (LINXUAN_NOW): for demonstrations and tests only");
                Arc::new(linxuan_core::time::ShiftedClock::starting_at(start.with_timezone(&chrono::Utc)))
            }
            None => Arc::new(SystemClock),
        };
        let app = App::build(config, clock, None).await.map_err(|e| fail(e.to_string()))?;
        let state = &app.state;
        tracing::info!(
            address = %bound,
            database = db::backend_name(&state.db),
            files = state.files.describe(),
            mail = if state.mailer.configured() { "SMTP" } else { "not configured: links are shown to the office" },
            "Linxuan is running"
        );
        println!("Linxuan: http://{bound}");
        if let Some(link) = &app.setup_link {
            println!();
            println!("  首次使用：請在 24 小時內開啟以下一次性連結，設定第一位管理者的帳號與密碼。");
            println!("  First run: open this one-time link within 24 hours to set up the first administrator.");
            println!();
            println!("  {link}");
            println!();
        }
        let _ = std::io::stdout().flush();
        crate::app::spawn_housekeeping(app.state.clone());
        crate::app::serve(listener, app.state.clone(), shutdown_signal()).await.map_err(|e| fail(e.to_string()))?;
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
