//! Linxuan (遴選): one web application that runs a year of teacher-community award selection.
//!
//! `cli` is the binary's front door; `app` assembles the server from `config`, storage and the
//! `web` features; `mail` sends e-mail. The rules themselves live in `linxuan_core`.

rust_i18n::i18n!("locales", fallback = "zh-TW");

pub mod accounts;
pub mod app;
pub mod budget;
pub mod cache;
pub mod cli;
pub mod config;
pub mod event;
pub mod facts;
pub mod i18n;
pub mod import;
pub mod mail;
pub mod memory;
pub mod outcomes;
pub mod published;
pub mod review;
pub mod secrets;
pub mod uploads;
pub mod web;

pub use app::{App, AppState};
pub use config::Config;
