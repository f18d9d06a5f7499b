//! HTTP integration tests: the real server on a random port, each test on SQLite and on
//! PostgreSQL, driven like a browser (cookies, forms, CSRF tokens).

mod support;

mod accounts;
mod authz;
mod cli;
mod community;
mod event;
mod faults;
mod fuzz;
mod kept;
mod language;
mod office;
mod outcomes;
mod plan;
mod review;
mod security;
mod year;
