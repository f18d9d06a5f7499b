//! A certificate (獎狀) in the year's register: its number is kept for good; a voided one
//! stays, with why, and its number is never used again.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub plan_year: i32,
    /// The sequence number within the year (1, 2, …).
    pub seq: i64,
    /// As printed: `桃教專字第1120001號`.
    pub number: String,
    /// `community:CODE` or `staff:ID` (`linxuan_core::outcomes::Recipient`).
    pub recipient: String,
    /// The publication version it was made from.
    pub publication: i32,
    /// The award level id, or `staff`.
    pub level: String,
    /// The body text as printed.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub issued_at: DateTimeUtc,
    pub issued_by: String,
    pub voided_at: Option<DateTimeUtc>,
    /// `corrected` or `withdrawn`.
    pub void_reason: Option<String>,
    /// The number (seq) this one replaces, after a correction.
    pub replaces: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
