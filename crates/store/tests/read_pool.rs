//! SQLite's readers never show a value older than one's own write: every write, committed
//! through the one writer (alone or in a transaction), is seen by the very next read — while
//! other readers read and other writers wait their turn.

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
