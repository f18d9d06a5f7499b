//! What the year ends in: the certificate register (numbers kept for good, voided never
//! reused), the organising staff the office enters, the lecturer directory and schools'
//! visit requests, and what the public showcase may show (a community's summary, the files
//! the office approved for publication).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0007_outcomes"
    }
}

#[derive(DeriveIden)]
enum Communities {
    Table,
    Id,
    Summary,
}
#[derive(DeriveIden)]
enum Schools {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Documents {
    Table,
    PublicAt,
    PublicBy,
}
#[derive(DeriveIden)]
enum Certificates {
    Table,
    Id,
    PlanYear,
    Seq,
    Number,
    Recipient,
    Publication,
    Level,
    Content,
    IssuedAt,
    IssuedBy,
    VoidedAt,
    VoidReason,
    Replaces,
}
#[derive(DeriveIden)]
enum Staff {
    Table,
    Id,
    PlanYear,
    Name,
    School,
    Title,
    NationalIdSealed,
    NationalIdMasked,
    Commendation,
    Certificate,
    CreatedAt,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum Lecturers {
    Table,
    Id,
    PlanYear,
    CommunityId,
    Listed,
    Topic,
    Intro,
    UpdatedAt,
    UpdatedBy,
}
#[derive(DeriveIden)]
enum VisitRequests {
    Table,
    Id,
    LecturerId,
    Name,
    SchoolId,
    Email,
    Dates,
    Topic,
    Note,
    TokenHash,
    Status,
    CreatedAt,
    ConfirmedAt,
    RespondedAt,
    Response,
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to.0, to.1).on_delete(on_delete).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Communities::Table).add_column(text_null(Communities::Summary)).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Documents::Table)
                .add_column(timestamp_with_time_zone_null(Documents::PublicAt))
                .to_owned(),
        )
        .await?;
        m.alter_table(Table::alter().table(Documents::Table).add_column(string_null(Documents::PublicBy)).to_owned())
            .await?;
        m.create_table(
            Table::create()
                .table(Certificates::Table)
                .col(pk_auto(Certificates::Id))
                .col(integer(Certificates::PlanYear))
                .col(big_integer(Certificates::Seq))
                .col(string(Certificates::Number))
                .col(string(Certificates::Recipient))
                .col(integer(Certificates::Publication))
                .col(string(Certificates::Level))
                .col(text(Certificates::Content))
                .col(timestamp_with_time_zone(Certificates::IssuedAt))
                .col(string(Certificates::IssuedBy))
                .col(timestamp_with_time_zone_null(Certificates::VoidedAt))
                .col(string_null(Certificates::VoidReason))
                .col(big_integer_null(Certificates::Replaces))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("certificates_seq")
                .table(Certificates::Table)
                .col(Certificates::PlanYear)
                .col(Certificates::Seq)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Staff::Table)
                .col(pk_auto(Staff::Id))
                .col(integer(Staff::PlanYear))
                .col(string(Staff::Name))
                .col(string(Staff::School))
                .col(string(Staff::Title))
                .col(text_null(Staff::NationalIdSealed))
                .col(string_null(Staff::NationalIdMasked))
                .col(boolean(Staff::Commendation))
                .col(boolean(Staff::Certificate))
                .col(timestamp_with_time_zone(Staff::CreatedAt))
                .col(timestamp_with_time_zone(Staff::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Lecturers::Table)
                .col(pk_auto(Lecturers::Id))
                .col(integer(Lecturers::PlanYear))
                .col(integer(Lecturers::CommunityId))
                .col(boolean(Lecturers::Listed))
                .col(string(Lecturers::Topic))
                .col(text(Lecturers::Intro))
                .col(timestamp_with_time_zone(Lecturers::UpdatedAt))
                .col(string(Lecturers::UpdatedBy))
                .foreign_key(&mut fk(
                    (Lecturers::Table, Lecturers::CommunityId),
                    (Communities::Table, Communities::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("lecturers_community")
                .table(Lecturers::Table)
                .col(Lecturers::CommunityId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(VisitRequests::Table)
                .col(pk_auto(VisitRequests::Id))
                .col(integer(VisitRequests::LecturerId))
                .col(string(VisitRequests::Name))
                .col(integer(VisitRequests::SchoolId))
                .col(string(VisitRequests::Email))
                .col(string(VisitRequests::Dates))
                .col(string(VisitRequests::Topic))
                .col(text(VisitRequests::Note))
                .col(string(VisitRequests::TokenHash))
                .col(string(VisitRequests::Status))
                .col(timestamp_with_time_zone(VisitRequests::CreatedAt))
                .col(timestamp_with_time_zone_null(VisitRequests::ConfirmedAt))
                .col(timestamp_with_time_zone_null(VisitRequests::RespondedAt))
                .col(text(VisitRequests::Response))
                .foreign_key(&mut fk(
                    (VisitRequests::Table, VisitRequests::LecturerId),
                    (Lecturers::Table, Lecturers::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    (VisitRequests::Table, VisitRequests::SchoolId),
                    (Schools::Table, Schools::Id),
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("visit_requests_token")
                .table(VisitRequests::Table)
                .col(VisitRequests::TokenHash)
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["visit_requests", "lecturers", "staff", "certificates"] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned()).await?;
        }
        m.alter_table(Table::alter().table(Documents::Table).drop_column(Documents::PublicBy).to_owned()).await?;
        m.alter_table(Table::alter().table(Documents::Table).drop_column(Documents::PublicAt).to_owned()).await?;
        m.alter_table(Table::alter().table(Communities::Table).drop_column(Communities::Summary).to_owned()).await
    }
}
