//! A community (社群) in one academic year.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "communities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub plan_year: i32,
    /// The office's code for the community, unique within the year.
    pub code: String,
    pub school_id: i32,
    pub track: String,
    /// The plan's group id (`basic-elementary` …).
    pub group_id: String,
    pub name: String,
    /// `pending` (registered, waiting for the office), `approved` or `rejected`.
    pub status: String,
    /// Consent to publish (SPEC §7): `None` until the community chooses.
    pub consent: Option<bool>,
    pub consent_at: Option<DateTimeUtc>,
    pub consent_by: Option<String>,
    /// What the community says of its year, for the public showcase (shown only with consent).
    #[sea_orm(column_type = "Text", nullable)]
    pub summary: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
