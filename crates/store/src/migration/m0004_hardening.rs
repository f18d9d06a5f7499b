//! Hardening: whether an account's e-mail address was confirmed by its owner, and the audit
//! log made tamper-evident (each entry's hash chained to the one before; `TRUNCATE` refused
//! on PostgreSQL as `UPDATE` and `DELETE` already are).

use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::audit::{ChainRow, chain_hash};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_hardening"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    EmailConfirmedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    PrevHash,
    Hash,
}

#[derive(FromQueryResult)]
struct OldEntry {
    id: i64,
    at: chrono::DateTime<chrono::Utc>,
    actor_id: Option<i32>,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    plan_year: Option<i32>,
    before: Option<String>,
    after: Option<String>,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let backend = db.get_database_backend();
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(timestamp_with_time_zone_null(Users::EmailConfirmedAt))
                .to_owned(),
        )
        .await?;
        // Accounts already in use count as confirmed, except those whose invitation a convener
        // made (a hand-over, whose link used to be shown to the convener): their owner confirms
        // by the next link the office makes or mails.
        db.execute_unprepared(
            "UPDATE users SET email_confirmed_at = created_at WHERE password_hash IS NOT NULL AND id NOT IN \
             (SELECT CAST(a.entity_id AS INTEGER) FROM audit_log a JOIN users u ON u.id = a.actor_id \
              WHERE a.action = 'user.invite' AND a.entity = 'user' AND u.role = 'convener')",
        )
        .await?;

        m.alter_table(Table::alter().table(AuditLog::Table).add_column(string_null(AuditLog::PrevHash)).to_owned())
            .await?;
        m.alter_table(Table::alter().table(AuditLog::Table).add_column(string_null(AuditLog::Hash)).to_owned()).await?;
        // Chain the entries already there, oldest first. The log refuses UPDATE: the guard is
        // lifted for this one step and put back.
        let (lift, restore): (Vec<&str>, Vec<String>) = match backend {
            DbBackend::Sqlite => (
                vec!["DROP TRIGGER audit_log_no_update"],
                vec![
                    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
                     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
                        .into(),
                ],
            ),
            _ => (
                vec!["DROP TRIGGER audit_log_no_change ON audit_log"],
                vec![
                    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log \
                     FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
                        .into(),
                    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
                        .into(),
                ],
            ),
        };
        for sql in lift {
            db.execute_unprepared(sql).await?;
        }
        let rows = OldEntry::find_by_statement(Statement::from_string(
            backend,
            "SELECT id, at, actor_id, actor, action, entity, entity_id, plan_year, before, after \
             FROM audit_log ORDER BY id",
        ))
        .all(db)
        .await?;
        let mut prev = String::new();
        for row in rows {
            let hash = chain_hash(
                &prev,
                &ChainRow {
                    at: row.at,
                    actor_id: row.actor_id,
                    actor: &row.actor,
                    action: &row.action,
                    entity: &row.entity,
                    entity_id: &row.entity_id,
                    plan_year: row.plan_year,
                    before: row.before.as_deref(),
                    after: row.after.as_deref(),
                },
            );
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    DbBackend::Sqlite => "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?",
                    _ => "UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3",
                },
                [prev.clone().into(), hash.clone().into(), row.id.into()],
            ))
            .await?;
            prev = hash;
        }
        for sql in restore {
            db.execute_unprepared(&sql).await?;
        }
        // One entry follows each entry: two writers that read the same last entry cannot both
        // add after it (the second tries again).
        m.create_index(
            Index::create()
                .name("audit_log_prev_hash")
                .table(AuditLog::Table)
                .col(AuditLog::PrevHash)
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("m0004_hardening cannot be undone: the audit log's chain stays".into()))
    }
}
