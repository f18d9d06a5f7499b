//! One entry of the append-only audit log.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub actor_id: Option<i32>,
    /// Who, as a person reads it: an e-mail address, or `cli` for the command line.
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub plan_year: Option<i32>,
    /// JSON of the thing before the change.
    #[sea_orm(column_type = "Text", nullable)]
    pub before: Option<String>,
    /// JSON of the thing after the change.
    #[sea_orm(column_type = "Text", nullable)]
    pub after: Option<String>,
    /// The hash of the entry before this one (`""` for the first): the log is a chain.
    pub prev_hash: Option<String>,
    /// SHA-256 of `prev_hash` and this entry's content (`audit::chain_hash`).
    pub hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
