//! What an uploaded file really is, from its first bytes (never from its name): PDF, the
//! Office Open XML and OpenDocument formats, JPEG and PNG (SPEC §4). A program renamed
//! `report.pdf` is refused because its bytes say so.

/// A file type Linxuan accepts, with its extension and MIME type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileType {
    pub ext: &'static str,
    pub mime: &'static str,
}

const TYPES: &[FileType] = &[
    FileType { ext: "pdf", mime: "application/pdf" },
    FileType { ext: "docx", mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
    FileType { ext: "xlsx", mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
    FileType { ext: "pptx", mime: "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
    FileType { ext: "odt", mime: "application/vnd.oasis.opendocument.text" },
    FileType { ext: "ods", mime: "application/vnd.oasis.opendocument.spreadsheet" },
    FileType { ext: "odp", mime: "application/vnd.oasis.opendocument.presentation" },
    FileType { ext: "jpg", mime: "image/jpeg" },
    FileType { ext: "png", mime: "image/png" },
];

/// Why a file is refused, as (zh-TW, English).
pub type Refusal = (String, String);

fn by_ext(ext: &str) -> Option<FileType> {
    TYPES.iter().copied().find(|t| t.ext == ext)
}

/// The type with this MIME type.
pub fn by_mime(mime: &str) -> Option<FileType> {
    TYPES.iter().copied().find(|t| t.mime == mime)
}

/// The name a file is offered under: the name its uploader gave, with the extension of what
/// its bytes are. A PDF uploaded as `x.html` is offered as `x.pdf`, never as a web page; a
/// name without a real extension gets one (`報告v1.2` → `報告v1.2.pdf`).
pub fn name_for(name: &str, kind: FileType) -> String {
    if extension(name) == kind.ext {
        return name.to_string();
    }
    match name.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty() && (1..=5).contains(&ext.len()) && ext.chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            format!("{stem}.{}", kind.ext)
        }
        _ => format!("{name}.{}", kind.ext),
    }
}

/// The extension of a display name, lower-cased (`JPEG` counts as `jpg`).
pub fn extension(name: &str) -> String {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if ext == "jpeg" { "jpg".into() } else { ext }
}

/// The name of the first entry of a zip archive, from its local file header.
fn first_zip_entry(head: &[u8]) -> Option<&[u8]> {
    let name_len = u16::from_le_bytes([*head.get(26)?, *head.get(27)?]) as usize;
    head.get(30..30 + name_len)
}

/// What the first bytes are, as one of our types; `declared` (the name's extension) picks
/// between types the bytes cannot tell apart (a DOCX and an XLSX are both zip archives).
fn sniff(head: &[u8], declared: &str) -> Option<FileType> {
    if head.starts_with(b"%PDF-") {
        return by_ext("pdf");
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return by_ext("jpg");
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return by_ext("png");
    }
    if head.starts_with(b"PK\x03\x04") {
        let entry = first_zip_entry(head)?;
        if entry == b"mimetype" {
            // OpenDocument: the uncompressed MIME type follows the header and name.
            let start = 30 + entry.len() + u16::from_le_bytes([*head.get(28)?, *head.get(29)?]) as usize;
            let mime = head.get(start..)?;
            return TYPES.iter().copied().find(|t| t.ext.starts_with("od") && mime.starts_with(t.mime.as_bytes()));
        }
        let ooxml = entry == b"[Content_Types].xml"
            || entry.starts_with(b"_rels/")
            || entry.starts_with(b"docProps/")
            || entry.starts_with(b"word/")
            || entry.starts_with(b"xl/")
            || entry.starts_with(b"ppt/");
        if ooxml && matches!(declared, "docx" | "xlsx" | "pptx") {
            return by_ext(declared);
        }
    }
    None
}

/// Checks an upload's first bytes against the types the plan accepts. Returns the real type,
/// or the reason for refusing, naming what the bytes look like when we can tell.
pub fn check(head: &[u8], file_name: &str, accepted: &[String]) -> Result<FileType, Refusal> {
    let declared = extension(file_name);
    let list = accepted.join(", ");
    match sniff(head, &declared) {
        Some(t)
            if accepted
                .iter()
                .any(|a| a.eq_ignore_ascii_case(t.ext) || (t.ext == "jpg" && a.eq_ignore_ascii_case("jpeg"))) =>
        {
            Ok(t)
        }
        Some(t) => Err((
            format!("這是 {} 檔，不在可上傳的類型中（{list}）", t.ext.to_uppercase()),
            format!("this is a {} file, which is not accepted here ({list})", t.ext.to_uppercase()),
        )),
        None => {
            let looks = if head.starts_with(b"MZ") || head.starts_with(b"\x7fELF") || head.starts_with(b"#!") {
                Some(("執行檔", "a program"))
            } else if head.starts_with(b"PK\x03\x04") {
                Some(("壓縮檔", "a zip archive"))
            } else if head.is_empty() {
                Some(("空檔案", "an empty file"))
            } else {
                None
            };
            Err(match looks {
                Some((zh, en)) => (
                    format!("檔案內容是{zh}，不是可上傳的類型（{list}）"),
                    format!("the file's content is {en}, not one of the accepted types ({list})"),
                ),
                None => (
                    format!("無法辨識檔案內容；可上傳的類型：{list}"),
                    format!("the file's content is not one of the accepted types ({list})"),
                ),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted() -> Vec<String> {
        ["pdf", "docx", "odt", "xlsx", "ods", "pptx", "odp", "jpg", "png"].map(String::from).to_vec()
    }

    fn zip_with_first_entry(name: &str, extra: &[u8]) -> Vec<u8> {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend_from_slice(&[0u8; 22]);
        bytes.extend_from_slice(&(name.len() as u16).to_le_bytes());
        bytes.extend_from_slice(&0u16.to_le_bytes());
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(extra);
        bytes
    }

    #[test]
    fn real_types_are_recognised_by_their_bytes() {
        assert_eq!(check(b"%PDF-1.7\n...", "成果報告.PDF", &accepted()).unwrap().ext, "pdf");
        assert_eq!(check(&[0xFF, 0xD8, 0xFF, 0xE0], "sign-in.jpeg", &accepted()).unwrap().ext, "jpg");
        assert_eq!(check(b"\x89PNG\r\n\x1a\n....", "x.png", &accepted()).unwrap().ext, "png");
        let docx = zip_with_first_entry("[Content_Types].xml", b"<?xml");
        assert_eq!(check(&docx, "教案.docx", &accepted()).unwrap().ext, "docx");
        let odt = zip_with_first_entry("mimetype", b"application/vnd.oasis.opendocument.textPK");
        assert_eq!(check(&odt, "x.odt", &accepted()).unwrap().ext, "odt");
        // The bytes decide: a PDF named .docx is a PDF.
        assert_eq!(check(b"%PDF-1.4", "wrong-name.docx", &accepted()).unwrap().ext, "pdf");
    }

    #[test]
    fn programs_and_strangers_are_refused_whatever_their_name() {
        let (zh, en) = check(b"MZ\x90\x00\x03", "成果報告.pdf", &accepted()).unwrap_err();
        assert!(zh.contains("執行檔") && en.contains("a program"), "{zh} / {en}");
        assert!(check(b"\x7fELF\x02\x01", "x.pdf", &accepted()).is_err());
        assert!(check(b"hello", "x.txt", &accepted()).is_err());
        assert!(check(b"", "x.pdf", &accepted()).unwrap_err().0.contains("空檔案"));
        // A plain zip is not a DOCX, even named so.
        assert!(check(&zip_with_first_entry("photos/1.jpg", b""), "x.docx", &accepted()).is_err());
    }

    #[test]
    fn a_file_is_offered_under_the_extension_of_what_it_is() {
        let pdf = by_mime("application/pdf").unwrap();
        assert_eq!(name_for("x.html", pdf), "x.pdf");
        assert_eq!(name_for("成果報告.PDF", pdf), "成果報告.PDF");
        assert_eq!(name_for("報告v1.2", pdf), "報告v1.2.pdf");
        assert_eq!(name_for("README", pdf), "README.pdf");
        assert_eq!(name_for(".htaccess", pdf), ".htaccess.pdf");
        assert_eq!(name_for("photo.JPEG", by_mime("image/jpeg").unwrap()), "photo.JPEG");
        assert_eq!(name_for("photo.jpg.exe", by_mime("image/png").unwrap()), "photo.jpg.png");
    }

    #[test]
    fn only_the_plans_types_are_accepted() {
        let only_pdf = vec!["pdf".to_string()];
        let (zh, _) = check(b"\x89PNG\r\n\x1a\n", "x.png", &only_pdf).unwrap_err();
        assert!(zh.contains("PNG"));
        assert_eq!(extension("A.JPEG"), "jpg");
    }
}
