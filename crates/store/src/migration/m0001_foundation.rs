//! Plans, schools, accounts, one-time tokens, sessions, the audit log and the mail log.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_foundation"
    }
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
    AcademicYear,
    Toml,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Schools {
    Table,
    Id,
    Code,
    Name,
    Level,
    District,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Name,
    Role,
    PasswordHash,
    Active,
    Locale,
    CreatedAt,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum Tokens {
    Table,
    Id,
    Purpose,
    TokenHash,
    UserId,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    Data,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    Actor,
    Action,
    Entity,
    EntityId,
    PlanYear,
    Before,
    After,
}

#[derive(DeriveIden)]
enum MailLog {
    Table,
    Id,
    At,
    Recipient,
    Subject,
    Kind,
    Status,
    Error,
    SentBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Plans::Table)
                .col(pk_auto(Plans::Id))
                .col(integer_uniq(Plans::AcademicYear))
                .col(text(Plans::Toml))
                .col(timestamp_with_time_zone(Plans::CreatedAt))
                .col(timestamp_with_time_zone(Plans::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Schools::Table)
                .col(pk_auto(Schools::Id))
                .col(string_uniq(Schools::Code))
                .col(string(Schools::Name))
                .col(string(Schools::Level))
                .col(string(Schools::District))
                .col(timestamp_with_time_zone(Schools::CreatedAt))
                .col(timestamp_with_time_zone(Schools::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(pk_auto(Users::Id))
                .col(string_uniq(Users::Email))
                .col(string(Users::Name))
                .col(string(Users::Role))
                .col(text_null(Users::PasswordHash))
                .col(boolean(Users::Active))
                .col(string(Users::Locale))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Tokens::Table)
                .col(pk_auto(Tokens::Id))
                .col(string(Tokens::Purpose))
                .col(string_uniq(Tokens::TokenHash))
                .col(integer_null(Tokens::UserId))
                .col(timestamp_with_time_zone(Tokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(Tokens::UsedAt))
                .col(timestamp_with_time_zone(Tokens::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Tokens::Table, Tokens::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(string(Sessions::Id).primary_key())
                .col(text(Sessions::Data))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("sessions_expires_at").table(Sessions::Table).col(Sessions::ExpiresAt).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(big_pk_auto(AuditLog::Id))
                .col(timestamp_with_time_zone(AuditLog::At))
                .col(integer_null(AuditLog::ActorId))
                .col(string(AuditLog::Actor))
                .col(string(AuditLog::Action))
                .col(string(AuditLog::Entity))
                .col(string(AuditLog::EntityId))
                .col(integer_null(AuditLog::PlanYear))
                .col(text_null(AuditLog::Before))
                .col(text_null(AuditLog::After))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("audit_log_at").table(AuditLog::Table).col(AuditLog::At).to_owned())
            .await?;
        m.create_table(
            Table::create()
                .table(MailLog::Table)
                .col(big_pk_auto(MailLog::Id))
                .col(timestamp_with_time_zone(MailLog::At))
                .col(string(MailLog::Recipient))
                .col(string(MailLog::Subject))
                .col(string(MailLog::Kind))
                .col(string(MailLog::Status))
                .col(text_null(MailLog::Error))
                .col(string(MailLog::SentBy))
                .to_owned(),
        )
        .await?;
        append_only(m.get_connection(), "audit_log").await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["mail_log", "audit_log", "sessions", "tokens", "users", "schools", "plans"] {
            m.drop_table(Table::drop().table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}

/// Makes a table refuse UPDATE and DELETE in the database itself, so no code path — ours or a
/// stray SQL console — can rewrite history.
pub(crate) async fn append_only<C: ConnectionTrait>(db: &C, table: &str) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let statements: Vec<String> = match backend {
        DbBackend::Sqlite => ["UPDATE", "DELETE"]
            .iter()
            .map(|op| {
                format!(
                    "CREATE TRIGGER {table}_no_{op_l} BEFORE {op} ON {table} \
                     BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
                    op_l = op.to_lowercase()
                )
            })
            .collect(),
        DbBackend::Postgres => vec![
            format!(
                "CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN RAISE EXCEPTION '{table} is append-only'; END $$"
            ),
            format!(
                "CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            ),
        ],
        other => return Err(DbErr::Custom(format!("unsupported database {other:?}"))),
    };
    for sql in statements {
        db.execute_raw(Statement::from_string(backend, sql)).await?;
    }
    Ok(())
}
