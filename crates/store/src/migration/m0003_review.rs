//! The review: reviewers' profiles, conflicts of interest, assignments, scores with every
//! version kept, phase overrides, the cut, the presentation schedule, tie decisions,
//! publications and revocations.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m0001_foundation::append_only;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_review"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Schools {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Communities {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum ReviewerProfiles {
    Table,
    UserId,
    Affiliation,
    SchoolId,
    UpdatedAt,
}
#[derive(DeriveIden)]
enum Conflicts {
    Table,
    Id,
    CommunityId,
    ReviewerId,
    Reason,
    DeclaredBy,
    CreatedAt,
}
#[derive(DeriveIden)]
enum Assignments {
    Table,
    Id,
    PlanYear,
    Phase,
    CommunityId,
    ReviewerId,
    Room,
    CreatedAt,
    CreatedBy,
}
#[derive(DeriveIden)]
enum Scores {
    Table,
    Id,
    AssignmentId,
    Status,
    Values,
    Indicators,
    CompletenessReason,
    Comment,
    Version,
    ImportedBy,
    UpdatedAt,
    SubmittedAt,
}
#[derive(DeriveIden)]
enum ScoreVersions {
    Table,
    Id,
    ScoreId,
    Version,
    At,
    By,
    Status,
    Values,
    Indicators,
    Comment,
    Reason,
}
#[derive(DeriveIden)]
enum PhaseStates {
    Table,
    PlanYear,
    Phase,
    State,
    ChangedAt,
    ChangedBy,
}
#[derive(DeriveIden)]
enum Cuts {
    Table,
    PlanYear,
    GroupId,
    Round,
    Passing,
    ConfirmedAt,
    ConfirmedBy,
}
#[derive(DeriveIden)]
enum RoomMembers {
    Table,
    PlanYear,
    ReviewerId,
    Room,
}
#[derive(DeriveIden)]
enum Slots {
    Table,
    Id,
    PlanYear,
    CommunityId,
    Room,
    Position,
    Start,
    End,
}
#[derive(DeriveIden)]
enum Decisions {
    Table,
    Id,
    PlanYear,
    GroupId,
    Block,
    Awards,
    Reason,
    DecidedBy,
    DecidedAt,
}
#[derive(DeriveIden)]
enum Publications {
    Table,
    Id,
    PlanYear,
    Version,
    Result,
    Note,
    PublishedAt,
    PublishedBy,
}
#[derive(DeriveIden)]
enum Revocations {
    Table,
    Id,
    PlanYear,
    CommunityId,
    Reason,
    RevokedAt,
    RevokedBy,
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
                .table(ReviewerProfiles::Table)
                .col(integer(ReviewerProfiles::UserId).primary_key())
                .col(string(ReviewerProfiles::Affiliation))
                .col(integer_null(ReviewerProfiles::SchoolId))
                .col(timestamp_with_time_zone(ReviewerProfiles::UpdatedAt))
                .foreign_key(&mut fk(
                    (ReviewerProfiles::Table, ReviewerProfiles::UserId),
                    (Users::Table, Users::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    (ReviewerProfiles::Table, ReviewerProfiles::SchoolId),
                    (Schools::Table, Schools::Id),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Conflicts::Table)
                .col(pk_auto(Conflicts::Id))
                .col(integer(Conflicts::CommunityId))
                .col(integer(Conflicts::ReviewerId))
                .col(string(Conflicts::Reason))
                .col(string(Conflicts::DeclaredBy))
                .col(timestamp_with_time_zone(Conflicts::CreatedAt))
                .foreign_key(&mut fk(
                    (Conflicts::Table, Conflicts::CommunityId),
                    (Communities::Table, Communities::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    (Conflicts::Table, Conflicts::ReviewerId),
                    (Users::Table, Users::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("conflicts_pair")
                .table(Conflicts::Table)
                .col(Conflicts::CommunityId)
                .col(Conflicts::ReviewerId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Assignments::Table)
                .col(pk_auto(Assignments::Id))
                .col(integer(Assignments::PlanYear))
                .col(string(Assignments::Phase))
                .col(integer(Assignments::CommunityId))
                .col(integer(Assignments::ReviewerId))
                .col(integer_null(Assignments::Room))
                .col(timestamp_with_time_zone(Assignments::CreatedAt))
                .col(string(Assignments::CreatedBy))
                .foreign_key(&mut fk(
                    (Assignments::Table, Assignments::CommunityId),
                    (Communities::Table, Communities::Id),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    (Assignments::Table, Assignments::ReviewerId),
                    (Users::Table, Users::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("assignments_unique")
                .table(Assignments::Table)
                .col(Assignments::PlanYear)
                .col(Assignments::Phase)
                .col(Assignments::CommunityId)
                .col(Assignments::ReviewerId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("assignments_reviewer")
                .table(Assignments::Table)
                .col(Assignments::ReviewerId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Scores::Table)
                .col(pk_auto(Scores::Id))
                .col(integer_uniq(Scores::AssignmentId))
                .col(string(Scores::Status))
                .col(text(Scores::Values))
                .col(text(Scores::Indicators))
                .col(text(Scores::CompletenessReason))
                .col(text(Scores::Comment))
                .col(integer(Scores::Version))
                .col(string_null(Scores::ImportedBy))
                .col(timestamp_with_time_zone(Scores::UpdatedAt))
                .col(timestamp_with_time_zone_null(Scores::SubmittedAt))
                .foreign_key(&mut fk(
                    (Scores::Table, Scores::AssignmentId),
                    (Assignments::Table, Assignments::Id),
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ScoreVersions::Table)
                .col(big_pk_auto(ScoreVersions::Id))
                .col(integer(ScoreVersions::ScoreId))
                .col(integer(ScoreVersions::Version))
                .col(timestamp_with_time_zone(ScoreVersions::At))
                .col(string(ScoreVersions::By))
                .col(string(ScoreVersions::Status))
                .col(text(ScoreVersions::Values))
                .col(text(ScoreVersions::Indicators))
                .col(text(ScoreVersions::Comment))
                .col(text(ScoreVersions::Reason))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("score_versions_score")
                .table(ScoreVersions::Table)
                .col(ScoreVersions::ScoreId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PhaseStates::Table)
                .col(integer(PhaseStates::PlanYear))
                .col(string(PhaseStates::Phase))
                .col(string(PhaseStates::State))
                .col(timestamp_with_time_zone(PhaseStates::ChangedAt))
                .col(string(PhaseStates::ChangedBy))
                .primary_key(Index::create().col(PhaseStates::PlanYear).col(PhaseStates::Phase))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Cuts::Table)
                .col(integer(Cuts::PlanYear))
                .col(string(Cuts::GroupId))
                .col(integer(Cuts::Round))
                .col(text(Cuts::Passing))
                .col(timestamp_with_time_zone(Cuts::ConfirmedAt))
                .col(string(Cuts::ConfirmedBy))
                .primary_key(Index::create().col(Cuts::PlanYear).col(Cuts::GroupId).col(Cuts::Round))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RoomMembers::Table)
                .col(integer(RoomMembers::PlanYear))
                .col(integer(RoomMembers::ReviewerId))
                .col(integer(RoomMembers::Room))
                .primary_key(Index::create().col(RoomMembers::PlanYear).col(RoomMembers::ReviewerId))
                .foreign_key(&mut fk(
                    (RoomMembers::Table, RoomMembers::ReviewerId),
                    (Users::Table, Users::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Slots::Table)
                .col(pk_auto(Slots::Id))
                .col(integer(Slots::PlanYear))
                .col(integer(Slots::CommunityId))
                .col(integer(Slots::Room))
                .col(integer(Slots::Position))
                .col(string(Slots::Start))
                .col(string(Slots::End))
                .foreign_key(&mut fk(
                    (Slots::Table, Slots::CommunityId),
                    (Communities::Table, Communities::Id),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("slots_community")
                .table(Slots::Table)
                .col(Slots::PlanYear)
                .col(Slots::CommunityId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Decisions::Table)
                .col(pk_auto(Decisions::Id))
                .col(integer(Decisions::PlanYear))
                .col(string(Decisions::GroupId))
                .col(text(Decisions::Block))
                .col(text(Decisions::Awards))
                .col(text(Decisions::Reason))
                .col(string(Decisions::DecidedBy))
                .col(timestamp_with_time_zone(Decisions::DecidedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Publications::Table)
                .col(pk_auto(Publications::Id))
                .col(integer(Publications::PlanYear))
                .col(integer(Publications::Version))
                .col(text(Publications::Result))
                .col(text(Publications::Note))
                .col(timestamp_with_time_zone(Publications::PublishedAt))
                .col(string(Publications::PublishedBy))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("publications_version")
                .table(Publications::Table)
                .col(Publications::PlanYear)
                .col(Publications::Version)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Revocations::Table)
                .col(pk_auto(Revocations::Id))
                .col(integer(Revocations::PlanYear))
                .col(integer(Revocations::CommunityId))
                .col(text(Revocations::Reason))
                .col(timestamp_with_time_zone(Revocations::RevokedAt))
                .col(string(Revocations::RevokedBy))
                .foreign_key(&mut fk(
                    (Revocations::Table, Revocations::CommunityId),
                    (Communities::Table, Communities::Id),
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        // Score history, publications and decisions are records: never rewritten.
        append_only(m.get_connection(), "score_versions").await?;
        append_only(m.get_connection(), "publications").await?;
        append_only(m.get_connection(), "decisions").await?;
        append_only(m.get_connection(), "revocations").await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "revocations",
            "publications",
            "decisions",
            "slots",
            "room_members",
            "cuts",
            "phase_states",
            "score_versions",
            "scores",
            "assignments",
            "conflicts",
            "reviewer_profiles",
        ] {
            m.drop_table(Table::drop().table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}
