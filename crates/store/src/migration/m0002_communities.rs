//! Communities and everything they keep during the year: members, meeting records, uploaded
//! documents with their versions, video links, and the self-evaluation.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_communities"
    }
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    AcademicYear,
}

#[derive(DeriveIden)]
enum Schools {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Communities {
    Table,
    Id,
    PlanYear,
    Code,
    SchoolId,
    Track,
    GroupId,
    Name,
    Status,
    Consent,
    ConsentAt,
    ConsentBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    Id,
    CommunityId,
    Name,
    SchoolId,
    Title,
    Email,
    Role,
    UserId,
    NationalIdSealed,
    NationalIdMasked,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Meetings {
    Table,
    Id,
    CommunityId,
    Date,
    Semester,
    Kind,
    Topic,
    Minutes,
    Late,
    CreatedAt,
    CreatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MeetingAttendees {
    Table,
    MeetingId,
    MemberId,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    CommunityId,
    Category,
    MeetingId,
    Title,
    CreatedAt,
    DeletedAt,
    DeletedBy,
}

#[derive(DeriveIden)]
enum FileVersions {
    Table,
    Id,
    DocumentId,
    Version,
    FileName,
    ContentType,
    Size,
    Sha256,
    StorageKey,
    UploadedBy,
    UploadedAt,
    Late,
    UploadKey,
}

#[derive(DeriveIden)]
enum Links {
    Table,
    Id,
    CommunityId,
    Url,
    Title,
    Late,
    CreatedAt,
    CreatedBy,
    DeletedAt,
    DeletedBy,
}

#[derive(DeriveIden)]
enum SelfEvaluations {
    Table,
    CommunityId,
    Answers,
    FirstSubmittedAt,
    SubmittedAt,
    Late,
    UpdatedAt,
    UpdatedBy,
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
        m.create_table(
            Table::create()
                .table(Communities::Table)
                .col(pk_auto(Communities::Id))
                .col(integer(Communities::PlanYear))
                .col(string(Communities::Code))
                .col(integer(Communities::SchoolId))
                .col(string(Communities::Track))
                .col(string(Communities::GroupId))
                .col(string(Communities::Name))
                .col(string(Communities::Status))
                .col(boolean_null(Communities::Consent))
                .col(timestamp_with_time_zone_null(Communities::ConsentAt))
                .col(string_null(Communities::ConsentBy))
                .col(timestamp_with_time_zone(Communities::CreatedAt))
                .col(timestamp_with_time_zone(Communities::UpdatedAt))
                .foreign_key(&mut fk(
                    (Communities::Table, Communities::PlanYear),
                    (Plans::Table, Plans::AcademicYear),
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    (Communities::Table, Communities::SchoolId),
                    (Schools::Table, Schools::Id),
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("communities_year_code")
                .table(Communities::Table)
                .col(Communities::PlanYear)
                .col(Communities::Code)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Members::Table)
                .col(pk_auto(Members::Id))
                .col(integer(Members::CommunityId))
                .col(string(Members::Name))
                .col(integer_null(Members::SchoolId))
                .col(string(Members::Title))
                .col(string(Members::Email))
                .col(string(Members::Role))
                .col(integer_null(Members::UserId))
                .col(text_null(Members::NationalIdSealed))
                .col(string_null(Members::NationalIdMasked))
                .col(timestamp_with_time_zone(Members::CreatedAt))
                .col(timestamp_with_time_zone(Members::UpdatedAt))
                .foreign_key(&mut fk(
                    (Members::Table, Members::CommunityId),
                    (Communities::Table, Communities::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    (Members::Table, Members::SchoolId),
                    (Schools::Table, Schools::Id),
                    ForeignKeyAction::SetNull,
                ))
                .foreign_key(&mut fk(
                    (Members::Table, Members::UserId),
                    (Users::Table, Users::Id),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("members_community").table(Members::Table).col(Members::CommunityId).to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("members_user").table(Members::Table).col(Members::UserId).to_owned())
            .await?;
        m.create_table(
            Table::create()
                .table(Meetings::Table)
                .col(pk_auto(Meetings::Id))
                .col(integer(Meetings::CommunityId))
                .col(date(Meetings::Date))
                .col(small_integer(Meetings::Semester))
                .col(string(Meetings::Kind))
                .col(string(Meetings::Topic))
                .col(text(Meetings::Minutes))
                .col(boolean(Meetings::Late))
                .col(timestamp_with_time_zone(Meetings::CreatedAt))
                .col(string(Meetings::CreatedBy))
                .col(timestamp_with_time_zone(Meetings::UpdatedAt))
                .foreign_key(&mut fk(
                    (Meetings::Table, Meetings::CommunityId),
                    (Communities::Table, Communities::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("meetings_community").table(Meetings::Table).col(Meetings::CommunityId).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MeetingAttendees::Table)
                .col(integer(MeetingAttendees::MeetingId))
                .col(integer(MeetingAttendees::MemberId))
                .primary_key(Index::create().col(MeetingAttendees::MeetingId).col(MeetingAttendees::MemberId))
                .foreign_key(&mut fk(
                    (MeetingAttendees::Table, MeetingAttendees::MeetingId),
                    (Meetings::Table, Meetings::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    (MeetingAttendees::Table, MeetingAttendees::MemberId),
                    (Members::Table, Members::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Documents::Table)
                .col(pk_auto(Documents::Id))
                .col(integer(Documents::CommunityId))
                .col(string(Documents::Category))
                .col(integer_null(Documents::MeetingId))
                .col(string(Documents::Title))
                .col(timestamp_with_time_zone(Documents::CreatedAt))
                .col(timestamp_with_time_zone_null(Documents::DeletedAt))
                .col(string_null(Documents::DeletedBy))
                .foreign_key(&mut fk(
                    (Documents::Table, Documents::CommunityId),
                    (Communities::Table, Communities::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    (Documents::Table, Documents::MeetingId),
                    (Meetings::Table, Meetings::Id),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("documents_community").table(Documents::Table).col(Documents::CommunityId).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(FileVersions::Table)
                .col(pk_auto(FileVersions::Id))
                .col(integer(FileVersions::DocumentId))
                .col(integer(FileVersions::Version))
                .col(string(FileVersions::FileName))
                .col(string(FileVersions::ContentType))
                .col(big_integer(FileVersions::Size))
                .col(string(FileVersions::Sha256))
                .col(string(FileVersions::StorageKey))
                .col(string(FileVersions::UploadedBy))
                .col(timestamp_with_time_zone(FileVersions::UploadedAt))
                .col(boolean(FileVersions::Late))
                .col(string_uniq(FileVersions::UploadKey))
                .foreign_key(&mut fk(
                    (FileVersions::Table, FileVersions::DocumentId),
                    (Documents::Table, Documents::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("file_versions_document_version")
                .table(FileVersions::Table)
                .col(FileVersions::DocumentId)
                .col(FileVersions::Version)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Links::Table)
                .col(pk_auto(Links::Id))
                .col(integer(Links::CommunityId))
                .col(text(Links::Url))
                .col(string(Links::Title))
                .col(boolean(Links::Late))
                .col(timestamp_with_time_zone(Links::CreatedAt))
                .col(string(Links::CreatedBy))
                .col(timestamp_with_time_zone_null(Links::DeletedAt))
                .col(string_null(Links::DeletedBy))
                .foreign_key(&mut fk(
                    (Links::Table, Links::CommunityId),
                    (Communities::Table, Communities::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SelfEvaluations::Table)
                .col(integer(SelfEvaluations::CommunityId).primary_key())
                .col(text(SelfEvaluations::Answers))
                .col(timestamp_with_time_zone_null(SelfEvaluations::FirstSubmittedAt))
                .col(timestamp_with_time_zone_null(SelfEvaluations::SubmittedAt))
                .col(boolean(SelfEvaluations::Late))
                .col(timestamp_with_time_zone(SelfEvaluations::UpdatedAt))
                .col(string(SelfEvaluations::UpdatedBy))
                .foreign_key(&mut fk(
                    (SelfEvaluations::Table, SelfEvaluations::CommunityId),
                    (Communities::Table, Communities::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "self_evaluations",
            "links",
            "file_versions",
            "documents",
            "meeting_attendees",
            "meetings",
            "members",
            "communities",
        ] {
            m.drop_table(Table::drop().table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}
