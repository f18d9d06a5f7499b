//! The `linxuan` command as people run it: help, plan show/check, imports, accounts, backup.

use std::process::{Command, Output};

use crate::support::{Backend, TestApp, postgres_url};

fn linxuan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_linxuan"))
        .args(args)
        .env("LANG", "C.UTF-8")
        .env_remove("LINXUAN_LANG")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("linxuan-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn help_lists_subcommands_in_both_languages() {
    let out = linxuan(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for word in ["serve", "migrate", "plan", "import", "user", "backup", "allocate", "啟動網站", "Run the web server"]
    {
        assert!(help.contains(word), "--help mentions {word}:\n{help}");
    }
    let plan = text(&linxuan(&["plan", "--help"]).stdout);
    assert!(plan.contains("show") && plan.contains("check") && plan.contains("檢查"));
}

#[test]
fn plan_show_prints_the_builtin_plan_and_check_accepts_it() {
    let dir = temp("plan");
    let out = linxuan(&["plan", "show"]);
    assert!(out.status.success());
    let shown = text(&out.stdout);
    assert!(shown.contains("academic_year = 111") && shown.contains("112年7月7日(星期五)"));
    let file = dir.join("plan.toml");
    std::fs::write(&file, &shown).unwrap();
    let check = linxuan(&["plan", "check", file.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
}

#[test]
fn plan_check_lists_every_problem_and_exits_2() {
    let dir = temp("bad-plan");
    let bad = linxuan_core::plan::BUILTIN_TOML
        .replacen("points = 50\nsource = \"rubric\"", "points = 45\nsource = \"rubric\"", 1)
        .replacen("112年7月7日(星期五)", "112年7月8日(星期五)", 1)
        .replacen("quotas = { special = 1,", "quotas = { special = -1,", 1);
    let file = dir.join("plan.toml");
    std::fs::write(&file, bad).unwrap();
    let out = linxuan(&["plan", "check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("tracks.basic.criteria: weights add up to 95, must be 100"), "{err}");
    assert!(err.contains("presentation_day.date:"), "{err}");
    assert!(err.contains("groups.basic-junior.quotas.special: quota is -1"), "{err}");
    assert!(out.stdout.is_empty());
    let zh = Command::new(env!("CARGO_BIN_EXE_linxuan"))
        .args(["--lang", "zh-TW", "plan", "check", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(text(&zh.stderr).contains("配分合計 95，應為 100"));
    // A syntax error names its line.
    std::fs::write(&file, "academic_year = 111\ntitle = \n").unwrap();
    let out = linxuan(&["plan", "check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("plan.toml:2:"), "{}", text(&out.stderr));
    let missing = linxuan(&["plan", "check", dir.join("nope.toml").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn import_schools_user_add_and_backup_on_sqlite() {
    let dir = temp("data");
    let data = dir.join("data");
    let csv = dir.join("schools.csv");
    std::fs::write(
        &csv,
        "code,name,level,district\n034601,桃園市立文昌國中,國中,桃園區\n034750,西門國小,國小,桃園區\n",
    )
    .unwrap();
    let out = linxuan(&["import", "schools", csv.to_str().unwrap(), "--data", data.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("2 added"));
    std::fs::write(&csv, "code,name,level,district\n034601,,國中,桃園區\n").unwrap();
    let bad = linxuan(&["import", "schools", csv.to_str().unwrap(), "--data", data.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("schools.csv:2: the school name must not be empty"), "{}", text(&bad.stderr));
    let user = linxuan(&[
        "user",
        "add",
        "--email",
        "t@school.tyc.edu.tw",
        "--name",
        "林老師",
        "--role",
        "convener",
        "--data",
        data.to_str().unwrap(),
    ]);
    assert!(user.status.success(), "{}", text(&user.stderr));
    assert!(text(&user.stdout).contains("/invite/"));
    let twice = linxuan(&[
        "user",
        "add",
        "--email",
        "t@school.tyc.edu.tw",
        "--name",
        "林老師",
        "--role",
        "convener",
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(twice.status.code(), Some(2));
    let bad_email = linxuan(&[
        "user",
        "add",
        "--email",
        "nope",
        "--name",
        "x",
        "--role",
        "admin",
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(bad_email.status.code(), Some(2));
    let dest = dir.join("backup");
    let backup = linxuan(&["backup", dest.to_str().unwrap(), "--data", data.to_str().unwrap()]);
    assert!(backup.status.success(), "{}", text(&backup.stderr));
    // The copy is a working database with the schools in it.
    let copy = dest.join("linxuan.db");
    let count = std::process::Command::new("python3")
        .args([
            "-c",
            &format!(
                "import sqlite3;print(sqlite3.connect('{}').execute('select count(*) from schools').fetchone()[0])",
                copy.display()
            ),
        ])
        .output()
        .unwrap();
    assert_eq!(text(&count.stdout).trim(), "2");
    assert!(dest.join("files").join("imports").exists(), "the imported file is in the backup");
    let again = linxuan(&["backup", dest.to_str().unwrap(), "--data", data.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2), "a non-empty destination is refused");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_on_postgres_is_a_restorable_dump() {
    let Some(app) = TestApp::start(Backend::Postgres).await else {
        return;
    };
    let admin = app.admin().await;
    admin
        .post(
            "/office/schools",
            &[("code", "034601"), ("name", "文昌國中"), ("level", "junior"), ("district", "桃園區")],
        )
        .await;
    let dest = temp("pg-backup");
    let target = dest.join("copy");
    let report = linxuan_store::backup::backup(
        &app.state.db,
        &postgres_url(),
        app.schema.as_deref(),
        &app.state.files,
        &target,
        None,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let listing = Command::new("pg_restore").arg("--list").arg(&report.database).output().unwrap();
    assert!(listing.status.success());
    assert!(text(&listing.stdout).contains("schools"));
    std::fs::remove_dir_all(&dest).unwrap();
}

const SCORES: &str = "community,group,round,reviewer,criterion,score\n\
E01,basic-elementary,1,R1,timeliness,25\n\
E01,basic-elementary,1,R1,completeness,25\n\
E01,basic-elementary,1,R1,richness,45.5\n\
E02,basic-elementary,1,R2,timeliness,25\n\
E02,basic-elementary,1,R2,completeness,20\n\
E02,basic-elementary,1,R2,richness,40\n\
J01,basic-junior,1,R3,timeliness,12.5\n\
J01,basic-junior,1,R3,completeness,20\n\
J01,basic-junior,1,R3,richness,35.25\n";

#[test]
fn allocate_ranks_and_awards_from_a_scores_file() {
    let dir = temp("allocate");
    let file = dir.join("scores.csv");
    std::fs::write(&file, SCORES).unwrap();
    let out = linxuan(&["allocate", "--scores", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json = text(&out.stdout);
    assert!(json.starts_with("{\"groups\":[{\"group\":\"basic-elementary\",\"needs_decision\":[],\"vacant\":{\"special\":2,\"excellence\":5,\"merit\":9},\"ranking\":[{\"community\":\"E01\",\"rank\":1,\"round\":1,\"score\":\"95.50\",\"criteria\":{\"timeliness\":\"25.00\",\"completeness\":\"25.00\",\"richness\":\"45.50\"},\"award\":\"special\",\"standing\":\"competes\"}"), "{json}");
    assert!(json.contains("\"community\":\"E02\",\"rank\":2,\"round\":1,\"score\":\"85.00\""), "{json}");
    assert!(json.contains("\"community\":\"J01\",\"rank\":1,\"round\":1,\"score\":\"67.75\""), "{json}");
    assert!(json.contains("\"award\":null"), "J01 is below every minimum");
    let table = linxuan(&["allocate", "--scores", file.to_str().unwrap(), "--format", "table"]);
    let table = text(&table.stdout);
    assert!(table.contains("國小組") && table.contains("特優") && table.contains("從缺"), "{table}");
    let xlsx = dir.join("result.xlsx");
    let written =
        linxuan(&["allocate", "--scores", file.to_str().unwrap(), "--format", "xlsx", "--out", xlsx.to_str().unwrap()]);
    assert!(written.status.success() && written.stdout.is_empty());
    assert!(linxuan_docs::table::read_table(&std::fs::read(&xlsx).unwrap()).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// In a group where round 2 was scored, a community whose last round is 1 did not pass the
/// cut: no rank, no award, even with the highest score of the file.
#[test]
fn allocate_gives_no_award_to_a_community_that_did_not_pass_the_cut() {
    let dir = temp("allocate-cut");
    let file = dir.join("scores.csv");
    let scores = "community,group,round,reviewer,criterion,score\n\
E01,basic-elementary,2,R1,timeliness,25\nE01,basic-elementary,2,R1,completeness,20\nE01,basic-elementary,2,R1,richness,30\n\
E02,basic-elementary,1,R2,timeliness,25\nE02,basic-elementary,1,R2,completeness,25\nE02,basic-elementary,1,R2,richness,48\n";
    std::fs::write(&file, scores).unwrap();
    let out = linxuan(&["allocate", "--scores", file.to_str().unwrap(), "--format", "csv"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    assert!(csv.contains("basic-elementary,1,E01,2,25.00,20.00,30.00,75.00,merit,false,competes"), "{csv}");
    assert!(csv.contains("basic-elementary,,E02,1,25.00,25.00,48.00,98.00,,false,not-passed"), "{csv}");
    let table = text(&linxuan(&["allocate", "--scores", file.to_str().unwrap(), "--format", "table"]).stdout);
    assert!(table.contains("未進入複審：不參與獎項分配"), "{table}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn allocate_refuses_bad_scores_with_every_line_and_prints_nothing() {
    let dir = temp("allocate-bad");
    let file = dir.join("scores.csv");
    let bad =
        SCORES.replace("R1,richness,45.5", "R1,richness,45.555").replace("R2,completeness,20", "R2,completeness,26")
            + "E03,basic-elementary,x,R1,timeliness,25\nE04,basic-elementary,1,R1,written,30\n";
    std::fs::write(&file, bad).unwrap();
    let out = linxuan(&["allocate", "--scores", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let err = text(&out.stderr);
    for line in ["line 4", "line 6", "line 11", "line 12"] {
        assert!(err.contains(line), "{line} is named:\n{err}");
    }
    std::fs::write(&file, "community;group\n").unwrap();
    let header = linxuan(&["allocate", "--scores", file.to_str().unwrap()]);
    assert_eq!(header.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_hostile_spreadsheet_is_refused_by_every_command_that_reads_one() {
    let dir = temp("hostile-xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "code").unwrap();
    ws.write_string(1_048_575, 16_383, "boom").unwrap();
    let file = dir.join("corners.xlsx");
    std::fs::write(&file, wb.save_to_buffer().unwrap()).unwrap();
    let data = dir.join("data");
    let import = linxuan(&["import", "schools", file.to_str().unwrap(), "--data", data.to_str().unwrap()]);
    assert_eq!(import.status.code(), Some(2));
    assert!(text(&import.stderr).contains("XFD1048576"), "{}", text(&import.stderr));
    let allocate = linxuan(&["allocate", "--scores", file.to_str().unwrap()]);
    assert_eq!(allocate.status.code(), Some(2));
    assert!(text(&allocate.stderr).contains("XFD1048576"), "{}", text(&allocate.stderr));
    assert!(allocate.stdout.is_empty());
}
