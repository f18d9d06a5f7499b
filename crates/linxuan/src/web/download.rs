//! Files the server makes (exports, PDF documents) handed to the browser as downloads.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A made file as a download named `file_name` (ASCII: the names are the server's own).
pub fn attachment(content_type: &'static str, file_name: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    ([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const PDF: &str = "application/pdf";
