//! The office's largest pages are computed once per revision of the database and kept
//! (`linxuan::cache`): kept while nothing is committed, computed afresh after any commit — the
//! app's own, or another process's behind its back — and what depends on the time (a deadline
//! passing) follows the clock even when nothing was committed.

use chrono::NaiveDate;
use linxuan_core::time::taipei;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;

use crate::backends;
use crate::community::office;
use crate::support::TestApp;

fn cell_texts(page: &crate::support::Page, css: &str) -> Vec<String> {
    page.texts(css).into_iter().map(|t| t.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

/// Whether nothing but this test writes to the database: true of a test's own SQLite file; on
/// PostgreSQL, other tests commit on the same server meanwhile, and every commit there makes a
/// new snapshot — a page is then computed again (never stale), so whether it was kept is not
/// for this test to say.
fn quiet(app: &TestApp) -> bool {
    app.schema.is_none()
}

async fn a_kept_page_follows_every_commit(app: TestApp) {
    let (admin, _) = office(&app).await;
    let list = admin.get("/office/communities").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.has("西門閱讀社群"), "{}", list.body);

    // Nothing committed: the second request uses what the first computed.
    let before = app.state.computed.counts();
    let again = admin.get("/office/communities").await;
    assert_eq!(again.body, list.body.replace(&list.csrf().unwrap(), &again.csrf().unwrap()));
    let after = app.state.computed.counts();
    assert_eq!(after.hits + after.misses, before.hits + before.misses + 1);
    if quiet(&app) {
        assert_eq!((after.hits, after.misses), (before.hits + 1, before.misses), "kept, not computed again");
    }

    // A commit by another process, behind the server's back: the next page shows it.
    let outside = app.outside().await;
    outside.execute_unprepared("UPDATE communities SET name = '西門閱讀與寫作社群' WHERE code = 'E001'").await.unwrap();
    let renamed = admin.get("/office/communities").await;
    assert!(renamed.has("西門閱讀與寫作社群"), "another process's commit is seen at once: {}", renamed.body);
    assert!(app.state.computed.counts().misses > after.misses, "computed afresh");

    // The app's own write (a school renamed through its form), then the very next page.
    let school = linxuan_store::schools::by_code(&app.state.db, "034750").await.unwrap().unwrap();
    let saved = admin
        .post(
            &format!("/office/schools/{}", school.id),
            &[("code", "034750"), ("name", "桃園市西門國小"), ("level", "elementary"), ("district", "桃園區")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let list = admin.get("/office/communities").await;
    assert!(list.has("桃園市西門國小"), "one's own write is seen by the next page: {}", list.body);

    // A commit that changes nothing is no change: SQLite writes nothing, PostgreSQL makes a new
    // snapshot; either way the page is right.
    outside.execute_unprepared("UPDATE communities SET name = name").await.unwrap();
    assert!(admin.get("/office/communities").await.has("西門閱讀與寫作社群"));
    outside.close().await.unwrap();
}

async fn the_progress_board_follows_the_clock_without_a_commit(app: TestApp) {
    let (admin, _) = office(&app).await;
    // Before the midterm deadline (112-01-09): the first semester's records are not due yet.
    app.clock.set(taipei(NaiveDate::from_ymd_opt(2023, 1, 5).unwrap(), 9, 0, 0));
    let early = admin.get("/office/progress").await;
    assert_eq!(early.status, StatusCode::OK);
    let early_cells = cell_texts(&early, "td");
    assert!(early_cells.iter().any(|t| t.contains("尚未到期")), "{early_cells:?}");
    assert!(!early_cells.iter().any(|t| t.contains("未繳交")), "{early_cells:?}");

    // The deadline passes; nothing is committed: the kept facts are used, the statuses are now's.
    let before = app.state.computed.counts();
    app.clock.set(taipei(NaiveDate::from_ymd_opt(2023, 1, 10).unwrap(), 9, 0, 0));
    let late = admin.get("/office/progress").await;
    let late_cells = cell_texts(&late, "td");
    assert!(late_cells.iter().any(|t| t.contains("未繳交")), "{late_cells:?}");
    let after = app.state.computed.counts();
    if quiet(&app) {
        assert_eq!((after.hits, after.misses), (before.hits + 1, before.misses), "kept, with today's statuses");
    }
    assert!(late.has("第1學期的運作紀錄（含簽到表）"), "the missing records are named");
}

/// Looking at pages commits nothing: not the session (written back only when it changed, and
/// renewed every ten minutes, not on every page), not anything else. A page view is then never
/// queued behind uploads on SQLite's one writer, and never makes kept pages computed again.
async fn a_page_view_writes_nothing(app: TestApp) {
    let (admin, _) = office(&app).await;
    admin.get("/office").await;
    for page in ["/office", "/office/communities", "/office/progress", "/office/review/board", "/office/schools"] {
        let before = app.state.db.revision().await.unwrap();
        assert_eq!(admin.get(page).await.status, StatusCode::OK, "{page}");
        if quiet(&app) {
            assert_eq!(app.state.db.revision().await.unwrap(), before, "{page} committed something");
        }
    }
    let sessions_before = app.count("sessions").await;
    let anonymous = app.client();
    for _ in 0..3 {
        anonymous.get("/login").await;
    }
    assert_eq!(app.count("sessions").await, sessions_before + 1, "one session per visitor, not per page");
}

backends!(
    a_kept_page_follows_every_commit,
    the_progress_board_follows_the_clock_without_a_commit,
    a_page_view_writes_nothing
);
