//! A cut confirmed again records why (a conflict found late changed a closed round's scores, a
//! rule changed): the reason beside who and when.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_cut_reason"
    }
}

#[derive(DeriveIden)]
enum Cuts {
    Table,
    Reason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Cuts::Table)
                .add_column(ColumnDef::new(Cuts::Reason).text().not_null().default(""))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Cuts::Table).drop_column(Cuts::Reason).to_owned()).await
    }
}
