//! `linxuan allocate`: ranks and allocates awards from a scores file, so the office can check or
//! redo a selection from scores collected on paper. Output goes to stdout or `--out`; any
//! problem with the input is listed on stderr, with its line, and the exit status is 2.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use linxuan_core::Lang;
use linxuan_core::allocation::allocate;
use linxuan_core::plan::{self, Plan};
use linxuan_docs::{results, scores};

use super::{EXIT_BAD_INPUT, OutputFormat};
use crate::i18n::pick;

fn bad(message: String) -> ExitCode {
    eprintln!("{message}");
    ExitCode::from(EXIT_BAD_INPUT)
}

/// The plan to allocate by: the built-in one, or a file that must pass `plan check`.
fn load_plan(path: Option<&Path>, lang: Lang) -> Result<Plan, ExitCode> {
    let Some(path) = path else { return Ok(Plan::builtin()) };
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("{}: {e}", path.display())))?;
    let plan = Plan::from_toml(&text).map_err(|e| {
        let place = e.line.map(|l| format!(":{l}")).unwrap_or_default();
        bad(format!("{}{place}: {}", path.display(), e.message))
    })?;
    let problems = plan::validate(&plan);
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{}: {}", path.display(), p.render(lang));
        }
        return Err(ExitCode::from(EXIT_BAD_INPUT));
    }
    Ok(plan)
}

pub fn run(
    scores_path: &Path,
    plan_path: Option<&Path>,
    format: OutputFormat,
    out: Option<&Path>,
    lang: Lang,
) -> ExitCode {
    let plan = match load_plan(plan_path, lang) {
        Ok(plan) => plan,
        Err(code) => return code,
    };
    let bytes = match std::fs::read(scores_path) {
        Ok(b) => b,
        Err(e) => return bad(format!("{}: {e}", scores_path.display())),
    };
    let rules = plan.selection_rules();
    let entries = match scores::read_scores(&bytes, &rules) {
        Ok(entries) => entries,
        Err(problems) => {
            let mut err = std::io::stderr().lock();
            for p in &problems {
                let message = match lang {
                    Lang::ZhTw => p.message_zh(),
                    Lang::En => p.to_string(),
                };
                let _ = writeln!(err, "{}: {message}", scores_path.display());
            }
            let _ = writeln!(
                err,
                "{}",
                pick(
                    lang,
                    &format!("共 {} 個問題，未輸出結果", problems.len()),
                    &format!("{} problem(s); no result written", problems.len())
                )
            );
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let result = allocate(&rules, &entries);
    let bytes = match format {
        OutputFormat::Json => results::to_json(&result).into_bytes(),
        // A file is for Excel (BOM, CRLF); a pipe gets plain CSV.
        OutputFormat::Csv if out.is_some() => results::to_csv_for_excel(&result),
        OutputFormat::Csv => results::to_csv(&result).into_bytes(),
        OutputFormat::Table => results::to_text_table(&result).into_bytes(),
        OutputFormat::Xlsx => match results::to_xlsx(&result) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        },
    };
    match out {
        // Written beside the target and renamed: an interrupted run never leaves half a file.
        Some(path) => {
            let partial = path.with_extension("partial");
            if let Err(e) = std::fs::write(&partial, &bytes).and_then(|_| std::fs::rename(&partial, path)) {
                let _ = std::fs::remove_file(&partial);
                return bad(format!("{}: {e}", path.display()));
            }
        }
        None => {
            if format == OutputFormat::Xlsx && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                return bad(pick(lang, "XLSX 請用 --out 指定輸出檔", "XLSX needs --out FILE").to_string());
            }
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(&bytes).and_then(|_| stdout.flush()).is_err() {
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
