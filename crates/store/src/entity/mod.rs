//! SeaORM entities, one per table.

pub mod attendee;
pub mod audit;
pub mod community;
pub mod document;
pub mod file_version;
pub mod link;
pub mod mail;
pub mod meeting;
pub mod member;
pub mod plan;
pub mod school;
pub mod self_evaluation;
pub mod session;
pub mod token;
pub mod user;
