//! A scan sent by a desk's phone, kept under the id the phone gave it: sent again (a queue
//! emptied after the network came back), it is answered as the first time and counted once.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub scan_id: String,
    pub registration_id: i32,
    /// `in` or `out`.
    pub kind: String,
    /// When the scan was made (on the phone, kept within reason).
    pub at: DateTimeUtc,
    pub received_at: DateTimeUtc,
    pub scanned_by: String,
    /// `checked-in`, `checked-out`, `already-in`, `already-out`, `not-checked-in`, `waiting`, `cancelled`.
    pub answer: String,
    /// The time the answer names (this scan's, or the earlier one's).
    pub answer_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
