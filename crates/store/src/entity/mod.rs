//! SeaORM entities, one per table.

pub mod audit;
pub mod mail;
pub mod plan;
pub mod school;
pub mod session;
pub mod token;
pub mod user;
