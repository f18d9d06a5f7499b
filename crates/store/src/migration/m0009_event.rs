//! The presentation day's registrations (報名) with their tickets, check-in and check-out, and
//! every scan the desk sent (kept by the phone's own id, so a scan sent twice counts once).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0009_event"
    }
}

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
    PlanYear,
    SchoolId,
    SchoolName,
    Name,
    Title,
    Email,
    Meal,
    NationalIdSealed,
    NationalIdMasked,
    Status,
    WaitReason,
    Ticket,
    Source,
    CreatedAt,
    CreatedBy,
    UpdatedAt,
    CancelledAt,
    CancelledBy,
    CheckedInAt,
    CheckedOutAt,
}

#[derive(DeriveIden)]
enum Scans {
    Table,
    Id,
    ScanId,
    RegistrationId,
    Kind,
    At,
    ReceivedAt,
    ScannedBy,
    Answer,
    AnswerAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Registrations::Table)
                .col(pk_auto(Registrations::Id))
                .col(integer(Registrations::PlanYear))
                .col(integer_null(Registrations::SchoolId))
                .col(string(Registrations::SchoolName))
                .col(string(Registrations::Name))
                .col(string(Registrations::Title))
                .col(string(Registrations::Email))
                .col(string(Registrations::Meal))
                .col(text_null(Registrations::NationalIdSealed))
                .col(string_null(Registrations::NationalIdMasked))
                .col(string(Registrations::Status))
                .col(string_null(Registrations::WaitReason))
                .col(string(Registrations::Ticket))
                .col(string(Registrations::Source))
                .col(timestamp_with_time_zone(Registrations::CreatedAt))
                .col(string(Registrations::CreatedBy))
                .col(timestamp_with_time_zone(Registrations::UpdatedAt))
                .col(timestamp_with_time_zone_null(Registrations::CancelledAt))
                .col(string_null(Registrations::CancelledBy))
                .col(timestamp_with_time_zone_null(Registrations::CheckedInAt))
                .col(timestamp_with_time_zone_null(Registrations::CheckedOutAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("registrations_ticket")
                .table(Registrations::Table)
                .col(Registrations::Ticket)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("registrations_year_status")
                .table(Registrations::Table)
                .col(Registrations::PlanYear)
                .col(Registrations::Status)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("registrations_year_email")
                .table(Registrations::Table)
                .col(Registrations::PlanYear)
                .col(Registrations::Email)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Scans::Table)
                .col(pk_auto(Scans::Id))
                .col(string(Scans::ScanId))
                .col(integer(Scans::RegistrationId))
                .col(string(Scans::Kind))
                .col(timestamp_with_time_zone(Scans::At))
                .col(timestamp_with_time_zone(Scans::ReceivedAt))
                .col(string(Scans::ScannedBy))
                .col(string(Scans::Answer))
                .col(timestamp_with_time_zone_null(Scans::AnswerAt))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("scans_scan_id").table(Scans::Table).col(Scans::ScanId).unique().to_owned())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Scans::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(Registrations::Table).to_owned()).await
    }
}
