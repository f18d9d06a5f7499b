//! An index the progress board needs: it joins each meeting's sign-in sheet
//! (`documents.meeting_id`), and without this index SQLite built a temporary one on every page.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_progress_index"
    }
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    MeetingId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("documents_meeting")
                .table(Documents::Table)
                .col(Documents::MeetingId)
                .if_not_exists()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("documents_meeting").table(Documents::Table).to_owned()).await
    }
}
