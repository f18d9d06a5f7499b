//! `linxuan allocate`: wired once the allocation engine lands.

use std::path::Path;
use std::process::ExitCode;

use linxuan_core::Lang;

use super::OutputFormat;

pub fn run(_scores: &Path, _plan: Option<&Path>, _format: OutputFormat, _out: Option<&Path>, _lang: Lang) -> ExitCode {
    ExitCode::FAILURE
}
