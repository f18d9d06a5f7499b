//! A registration for the presentation day (報名), its ticket, and its check-in and check-out.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registrations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub plan_year: i32,
    /// The school from the list; none for a walk-in from elsewhere.
    pub school_id: Option<i32>,
    /// The school's name as registered.
    pub school_name: String,
    pub name: String,
    pub title: String,
    /// Lower-cased; empty for a walk-in who gave none.
    pub email: String,
    /// `meat` (葷) or `veg` (素).
    pub meal: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub national_id_sealed: Option<String>,
    pub national_id_masked: Option<String>,
    /// `registered`, `waiting`, `cancelled`.
    pub status: String,
    /// Why it waits: `school` or `venue`.
    pub wait_reason: Option<String>,
    /// The unguessable code on the ticket (and in its QR code); nothing personal.
    pub ticket: String,
    /// `public`, `office`, `walk-in`.
    pub source: String,
    pub created_at: DateTimeUtc,
    pub created_by: String,
    pub updated_at: DateTimeUtc,
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancelled_by: Option<String>,
    pub checked_in_at: Option<DateTimeUtc>,
    pub checked_out_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
