//! The budget's actual figures the office enters by hand (a line the system cannot count), one
//! per line, with a note.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0008_budget_actuals"
    }
}

#[derive(DeriveIden)]
enum BudgetActuals {
    Table,
    Id,
    PlanYear,
    TableId,
    Line,
    Amount,
    Note,
    UpdatedAt,
    UpdatedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(BudgetActuals::Table)
                .col(pk_auto(BudgetActuals::Id))
                .col(integer(BudgetActuals::PlanYear))
                .col(string(BudgetActuals::TableId))
                .col(integer(BudgetActuals::Line))
                .col(big_integer(BudgetActuals::Amount))
                .col(text(BudgetActuals::Note))
                .col(timestamp_with_time_zone(BudgetActuals::UpdatedAt))
                .col(string(BudgetActuals::UpdatedBy))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("budget_actuals_line")
                .table(BudgetActuals::Table)
                .col(BudgetActuals::PlanYear)
                .col(BudgetActuals::TableId)
                .col(BudgetActuals::Line)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(BudgetActuals::Table).to_owned()).await
    }
}
