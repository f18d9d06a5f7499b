//! Fuzzing the readers of outside input in the core: the plan's TOML and ROC dates. Mutated
//! real text and arbitrary text; never a panic, always an answer — a plan that validates (and
//! then works: its rules, its progress for a community with nothing done), or problems that
//! each name where (a line and column, or a path) and say what in both languages.
//!
//! `LINXUAN_FUZZ_CASES=1000000 cargo test --release -p linxuan-core --test fuzz` runs the long
//! pass.

use linxuan_core::fuzzing::{Mutation, cases, mutate};
use linxuan_core::plan::{self, BUILTIN_TOML, Plan};
use linxuan_core::roc::{StatedDate, parse_date};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig { cases: cases(256), failure_persistence: None, ..ProptestConfig::default() }
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    proptest::collection::vec((any::<u32>(), any::<u8>(), any::<u8>()), 0..12)
}

/// Reads and checks a plan as `linxuan plan check` does; panics only on a broken promise.
fn check_plan(text: &str) {
    match Plan::from_toml(text) {
        Err(e) => assert!(!e.message.trim().is_empty(), "an error says what is wrong"),
        Ok(plan) => {
            let problems = plan::validate(&plan);
            for p in &problems {
                assert!(!p.path.is_empty() || p.message(linxuan_core::Lang::En).contains("year"), "{p:?}");
                assert!(
                    !p.message(linxuan_core::Lang::ZhTw).is_empty() && !p.message(linxuan_core::Lang::En).is_empty()
                );
            }
            if problems.is_empty() {
                // A plan that passes is one the application can run on.
                let _ = plan.selection_rules();
                for track in plan.tracks.keys() {
                    let facts = linxuan_core::progress::CommunityFacts {
                        track: track.clone(),
                        members: 0,
                        meetings: Vec::new(),
                        report_at: None,
                        self_evaluation_at: None,
                    };
                    let _ = linxuan_core::progress::progress(&plan, &facts, chrono::Utc::now());
                }
                let _ = plan.to_toml();
            }
        }
    }
}

/// The built-in plan with every integer in it replaced, in turn, by an extreme value.
#[test]
fn extreme_numbers_in_every_place_of_the_plan() {
    let extremes = ["0", "-1", "9223372036854775807", "-9223372036854775808", "2147483648", "99999999999"];
    let lines: Vec<&str> = BUILTIN_TOML.lines().collect();
    let mut tried = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some((key, value)) = line.split_once(" = ") else { continue };
        let value = value.split('#').next().unwrap_or("").trim();
        if value.is_empty() || !value.trim_start_matches('-').chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        for extreme in extremes {
            let mut edited = lines.clone();
            let replaced = format!("{key} = {extreme}");
            edited[i] = &replaced;
            check_plan(&edited.join("\n"));
            tried += 1;
        }
    }
    assert!(tried > 60, "{tried} edits");
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_mutated_plan_is_read_or_refused_clearly(ops in mutations()) {
        let bytes = mutate(BUILTIN_TOML.as_bytes(), &ops);
        // A file that is not UTF-8 is refused before TOML (as `plan check` does).
        if let Ok(text) = String::from_utf8(bytes) {
            check_plan(&text);
        }
    }

    #[test]
    fn any_text_as_a_plan(text in any::<String>()) {
        check_plan(&text);
    }

    #[test]
    fn dates_in_any_form_are_read_or_refused_clearly(text in any::<String>(), ops in mutations()) {
        for candidate in [text.clone(), String::from_utf8_lossy(&mutate("112年6月12日(星期一)".as_bytes(), &ops)).into_owned(),
                String::from_utf8_lossy(&mutate(b"112/06/12", &ops)).into_owned(),
                String::from_utf8_lossy(&mutate(b"1120612", &ops)).into_owned()] {
            match parse_date(&candidate) {
                Ok(date) => prop_assert!(linxuan_core::roc::roc_year(date) > -10_000),
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
            match StatedDate::parse(&candidate) {
                Ok(stated) => { let _ = stated.weekday_mismatch(); }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
        }
    }
}
