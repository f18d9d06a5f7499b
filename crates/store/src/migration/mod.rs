//! Schema migrations, one module per step, applied in order on start and by `linxuan migrate`.
//! Written with SeaORM's schema builder so the same step runs on SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_communities;
mod m0003_review;
mod m0004_hardening;
mod m0005_progress_index;
mod m0006_cut_reason;
mod m0007_outcomes;
mod m0008_budget_actuals;
mod m0009_event;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_communities::Migration),
            Box::new(m0003_review::Migration),
            Box::new(m0004_hardening::Migration),
            Box::new(m0005_progress_index::Migration),
            Box::new(m0006_cut_reason::Migration),
            Box::new(m0007_outcomes::Migration),
            Box::new(m0008_budget_actuals::Migration),
            Box::new(m0009_event::Migration),
        ]
    }
}
