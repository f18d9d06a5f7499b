//! The `linxuan` command: one binary with subcommands, help in Traditional Chinese and
//! English. Bad input exits with status 2 and says what and where; other failures exit 1.

mod allocate;
mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "linxuan",
    version,
    about = "遴選 Linxuan：教師專業學習社群績優遴選平台\nLinxuan: teacher professional learning community award selection",
    long_about = None,
    after_help = "不加子命令時等同 `linxuan serve`。\nWithout a subcommand, runs `linxuan serve`."
)]
pub struct Cli {
    /// 訊息語言（預設依 LANG）/ Language of messages (default from LANG)
    #[arg(long, global = true, value_name = "zh-TW|en")]
    pub lang: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the data lives; every command that touches storage takes these.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DataArgs {
    /// 資料目錄（SQLite 資料庫與上傳檔案；預設 ./data，或 LINXUAN_DATA）/ Data directory
    /// (SQLite database and files; default ./data, or LINXUAN_DATA)
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// 啟動網站（預設 http://127.0.0.1:8080）/ Run the web server (default http://127.0.0.1:8080)
    Serve {
        /// 監聽位址（或 LINXUAN_ADDR）/ Address to listen on (or LINXUAN_ADDR)
        #[arg(long, value_name = "HOST:PORT")]
        addr: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// 更新資料庫結構 / Bring the database schema up to date
    Migrate {
        #[command(flatten)]
        data: DataArgs,
    },
    /// 遴選計畫：顯示或檢查 / The selection plan: show or check
    #[command(subcommand)]
    Plan(PlanCommand),
    /// 匯入資料 / Import data
    #[command(subcommand)]
    Import(ImportCommand),
    /// 帳號 / Accounts
    #[command(subcommand)]
    User(UserCommand),
    /// 線上備份資料庫與檔案到 DEST（須為新的或空的目錄）/ Back up the database and files
    /// online into DEST (a new or empty directory)
    Backup {
        /// 備份目的地 / Where the copy goes
        dest: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// 從備份還原到新的資料目錄（或空的資料庫）/ Restore a backup into a new data directory (or an
    /// empty database)
    Restore {
        /// 備份目錄（linxuan backup 所寫）/ The backup's directory (as `linxuan backup` wrote it)
        backup: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// 檢查資料庫與檔案是否一致、稽核紀錄是否完整；有問題時結束狀態為 1 / Check that the
    /// database and the files agree and the audit log is whole; exits 1 on any problem
    Check {
        /// 刪除沒有任何資料列指向的檔案（孤兒檔）/ Remove stored files no row names (orphans)
        #[arg(long)]
        clean: bool,
        /// 只列出與清除至少這麼多秒前寫入的孤兒檔（進行中的上傳不算）/ List and remove only
        /// orphans written at least this many seconds ago (uploads under way are not orphans)
        #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
        min_age: i64,
        #[command(flatten)]
        data: DataArgs,
    },
    /// 依評分檔排名並分配獎項 / Rank and allocate awards from a scores file
    Allocate {
        /// 評分檔（CSV 或 XLSX；欄位 community,group,round,reviewer,criterion,score）/ Scores file
        /// (CSV or XLSX; columns community,group,round,reviewer,criterion,score)
        #[arg(long, value_name = "FILE")]
        scores: PathBuf,
        /// 遴選計畫 TOML（預設內建 111 學年度計畫）/ Plan TOML (default: the built-in 111 plan)
        #[arg(long, value_name = "PLAN.toml")]
        plan: Option<PathBuf>,
        /// 輸出格式 / Output format
        #[arg(long, value_enum, default_value = "json")]
        format: OutputFormat,
        /// 輸出檔（預設標準輸出）/ Output file (default: standard output)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum PlanCommand {
    /// 以 TOML 印出內建計畫 / Print the built-in plan as TOML
    Show,
    /// 檢查計畫檔，列出每個問題；有問題時結束狀態為 2 / Check a plan file and list every
    /// problem; exits 2 when there is any
    Check {
        /// 計畫檔 / Plan file
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// 匯入學校名單（CSV 或 XLSX；欄位 code,name,level,district 或 學校代碼,學校名稱,學制,行政區）
    /// / Import schools (CSV or XLSX; columns code,name,level,district)
    Schools {
        /// 學校名單檔 / Schools file
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// 新增帳號並印出設定密碼的一次性連結 / Add an account and print its one-time link to
    /// set a password
    Add {
        /// 電子郵件 / E-mail address
        #[arg(long)]
        email: String,
        /// 姓名 / Name
        #[arg(long)]
        name: String,
        /// 角色 / Role
        #[arg(long, value_enum)]
        role: RoleArg,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum RoleArg {
    /// 承辦人員 / programme office
    Admin,
    /// 社群召集人 / community convener
    Convener,
    /// 審查委員 / reviewer
    Reviewer,
    /// 現場工作人員 / the presentation day's desk (check-in and check-out)
    Staff,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Json,
    Csv,
    Xlsx,
    Table,
}

/// Exit status for input the user must fix.
pub const EXIT_BAD_INPUT: u8 = 2;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(EXIT_BAD_INPUT) } else { ExitCode::SUCCESS };
        }
    };
    commands::run(cli)
}
