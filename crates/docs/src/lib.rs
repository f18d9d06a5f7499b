//! Linxuan's documents: reading CSV/XLSX tables the office hands us, and writing the CSV/XLSX
//! files it takes away. PDF lives in its own crate because typst is heavy to build.

pub mod export;
pub mod guard;
pub mod results;
pub mod scores;
pub mod table;
