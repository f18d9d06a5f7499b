//! SQLite's readers never show a value older than one's own write: every write, committed
//! through the one writer (alone or in a transaction), is seen by the very next read — while
//! other readers read and other writers wait their turn. And the database's revision, which
//! pages are kept under, moves with every commit and only then.

use chrono::Utc;
use linxuan_store::audit::{self, Actor, Change};
use linxuan_store::{Db, TransactionTrait, db, schools};
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};

#[derive(FromQueryResult)]
struct N {
    n: i64,
}

async fn count(db: &Db) -> i64 {
    N::find_by_statement(Statement::from_string(db.get_database_backend(), "SELECT COUNT(*) AS n FROM schools"))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_read_after_a_write_sees_it() {
    let dir = std::env::temp_dir().join(format!("linxuan-readers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = Db::open(&db::sqlite_url(&dir.join("linxuan.db")), None).await.unwrap();
    // Readers busy all the while.
    let busy = db.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopping = stop.clone();
    let readers = tokio::spawn(async move {
        let mut reads = 0u64;
        while !stopping.load(std::sync::atomic::Ordering::Relaxed) {
            count(&busy).await;
            reads += 1;
        }
        reads
    });
    // Writers in turn, each checking its own write right after.
    let mut writers = Vec::new();
    for w in 0..4 {
        let db = db.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..50 {
                let code = format!("{w}{i:05}");
                let data = schools::SchoolData {
                    code: code.clone(),
                    name: format!("學校 {code}"),
                    level: "elementary".into(),
                    district: "桃園區".into(),
                };
                if i % 2 == 0 {
                    schools::create(&db, &data, Utc::now()).await.unwrap();
                } else {
                    let txn = db.begin().await.unwrap();
                    // A read inside the transaction, then a write: no other writer in between.
                    schools::by_code(&txn, &code).await.unwrap();
                    schools::create(&txn, &data, Utc::now()).await.unwrap();
                    audit::record(&txn, Utc::now(), &Actor::system(), Change::new("school.create", "school", &code))
                        .await
                        .unwrap();
                    sea_orm::TransactionSession::commit(txn).await.unwrap();
                }
                let seen = schools::by_code(&db, &code).await.unwrap();
                assert!(seen.is_some(), "school {code} is seen right after it was written");
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(readers.await.unwrap() > 0);
    assert_eq!(count(&db).await, 200);
    let chain = audit::verify_chain(&db).await.unwrap();
    assert_eq!(chain.entries, 100);
    assert!(chain.broken.is_empty(), "{chain:?}");
    db.close().await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The revision stays while only reads happen, and moves with every commit: through the
/// writer, in a transaction, and by another process's connection to the same file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_revision_moves_with_every_commit_and_only_then() {
    let dir = std::env::temp_dir().join(format!("linxuan-revision-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = db::sqlite_url(&dir.join("linxuan.db"));
    let db = Db::open(&url, None).await.unwrap();
    let school = |code: &str| schools::SchoolData {
        code: code.into(),
        name: format!("學校 {code}"),
        level: "elementary".into(),
        district: "桃園區".into(),
    };
    let start = db.revision().await.unwrap();
    count(&db).await;
    schools::list(&db, &Default::default()).await.unwrap();
    assert_eq!(db.revision().await.unwrap(), start, "reads change nothing");

    schools::create(&db, &school("000001"), Utc::now()).await.unwrap();
    let written = db.revision().await.unwrap();
    assert_ne!(written, start, "a write through the writer");

    let txn = db.begin().await.unwrap();
    schools::create(&txn, &school("000002"), Utc::now()).await.unwrap();
    assert_eq!(db.revision().await.unwrap(), written, "nothing is committed until the commit");
    sea_orm::TransactionSession::commit(txn).await.unwrap();
    let committed = db.revision().await.unwrap();
    assert_ne!(committed, written, "a transaction's commit");

    let other = sea_orm::Database::connect(&url).await.unwrap();
    other.execute_unprepared("UPDATE schools SET name = '另一個名字' WHERE code = '000001'").await.unwrap();
    let outside = db.revision().await.unwrap();
    assert_ne!(outside, committed, "another connection's commit, as the CLI would make");
    other.execute_unprepared("UPDATE schools SET name = name").await.unwrap();
    assert_eq!(db.revision().await.unwrap(), outside, "a commit that changes no byte changes nothing");
    other.close().await.unwrap();
    db.close().await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
