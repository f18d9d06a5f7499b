//! Linxuan's PDF documents, typeset by typst as a library.
//!
//! A document is a typst template (kept beside this crate, compiled in) and its data, given to
//! the template as JSON at `/data.json`: the template never sees text it would have to escape.
//! Fonts travel with the binary: a Kai face for certificates (AR PL UKai TW) and a body face
//! (Noto Serif CJK TC, regular and bold; the regular face also has every character of CJK Unified Ideographs), each cut to Big5's characters and the punctuation an
//! official paper uses (`fonts/`, with their licences; `scripts/subset-fonts` makes them). The
//! data directory's `fonts/` and the system's fonts come after them, for rare characters in
//! names; [`Fonts::uncovered`] names a character no font has, so such a document is refused
//! rather than printed with an empty box. typst embeds only the glyphs used, so a certificate
//! stays small.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Serialize;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::layout::{Frame, FrameItem};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook, FontInfo, TextItem};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

mod documents;

/// The templates' sources, for tests that lay a document out themselves.
pub mod documents_source {
    pub use crate::documents::{BUDGET, CERTIFICATES, HANDBOOK, SIGNIN};
}

pub use documents::{
    BudgetDocument, BudgetRowDoc, BudgetTableDoc, CertificatePage, CertificatesDocument, HandbookAgendaLine,
    HandbookDocument, HandbookGroup, HandbookStory, ResultHeadings, ResultRow, ResultsDocument, ResultsGroup,
    SigninDocument, SigninRow,
};

/// The fonts shipped with Linxuan (see `fonts/README.md`), compiled into the binary.
const BUNDLED: [&[u8]; 3] = [
    include_bytes!("../fonts/ukai-tw.ttf"),
    include_bytes!("../fonts/noto-serif-cjk-tc-regular.otf"),
    include_bytes!("../fonts/noto-serif-cjk-tc-bold.otf"),
];

/// A character every usable Chinese font has (遴, as in 遴選).
const CJK_PROBE: char = '遴';

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(
        "no Chinese (CJK) font was found in {searched}; install one (Debian: apt-get install fonts-noto-cjk) or put a .otf/.ttf/.ttc file in the data directory's fonts/ folder"
    )]
    NoCjkFont { searched: String },
    #[error("the document template has an error: {0}")]
    Template(String),
    #[error("the document data cannot be written as JSON: {0}")]
    Data(#[from] serde_json::Error),
}

impl PdfError {
    /// The problem in Traditional Chinese, for the office.
    pub fn message_zh(&self) -> String {
        match self {
            PdfError::NoCjkFont { .. } => {
                "伺服器找不到中文字型，無法產生 PDF。請安裝 Noto CJK 字型（Debian：apt-get install fonts-noto-cjk），或將 .otf/.ttf/.ttc 字型檔放在資料目錄的 fonts 資料夾後重新啟動。".into()
            }
            PdfError::Template(e) => format!("文件範本有誤：{e}"),
            PdfError::Data(e) => format!("文件資料有誤：{e}"),
        }
    }
}

/// Where a face's data is.
enum FontData {
    Bundled(&'static [u8]),
    File(PathBuf),
}

/// One face of a font file, loaded when first used.
struct FontSlot {
    source: FontData,
    index: u32,
    font: OnceLock<Option<Font>>,
}

impl FontSlot {
    fn get(&self) -> Option<Font> {
        self.font
            .get_or_init(|| {
                let data = match &self.source {
                    FontData::Bundled(bytes) => Bytes::new(*bytes),
                    FontData::File(path) => Bytes::new(std::fs::read(path).ok()?),
                };
                Font::new(data, self.index)
            })
            .clone()
    }
}

/// The fonts found on the machine: their metadata at once, their data when first used.
pub struct Fonts {
    book: LazyHash<FontBook>,
    slots: Vec<FontSlot>,
    searched: Vec<PathBuf>,
}

impl Fonts {
    /// The usual places: `extra` first (the data directory's `fonts/`), then the system's.
    pub fn standard_dirs(extra: Option<&Path>) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = extra.map(Path::to_path_buf).into_iter().collect();
        dirs.push("/usr/share/fonts".into());
        dirs.push("/usr/local/share/fonts".into());
        if let Some(home) = std::env::var_os("HOME") {
            dirs.push(Path::new(&home).join(".local/share/fonts"));
            dirs.push(Path::new(&home).join(".fonts"));
        }
        dirs
    }

    /// The bundled fonts, then the fonts found in the directories (recursively): OpenType,
    /// TrueType and collections.
    pub fn search(dirs: &[PathBuf]) -> Fonts {
        Fonts::scan(dirs, true)
    }

    /// Only the fonts found in the directories, without the bundled ones (for tests of what
    /// happens on a machine without a Chinese font).
    pub fn search_without_bundled(dirs: &[PathBuf]) -> Fonts {
        Fonts::scan(dirs, false)
    }

    fn scan(dirs: &[PathBuf], bundled: bool) -> Fonts {
        let mut book = FontBook::new();
        let mut slots = Vec::new();
        if bundled {
            for bytes in BUNDLED {
                for (index, info) in FontInfo::iter(bytes).enumerate() {
                    book.push(info);
                    slots.push(FontSlot {
                        source: FontData::Bundled(bytes),
                        index: index as u32,
                        font: OnceLock::new(),
                    });
                }
            }
        }
        let mut files = Vec::new();
        for dir in dirs {
            collect_font_files(dir, &mut files, 0);
        }
        files.sort();
        files.dedup();
        for path in files {
            let Ok(data) = std::fs::read(&path) else { continue };
            for (index, info) in FontInfo::iter(&data).enumerate() {
                book.push(info);
                slots.push(FontSlot {
                    source: FontData::File(path.clone()),
                    index: index as u32,
                    font: OnceLock::new(),
                });
            }
        }
        Fonts { book: LazyHash::new(book), slots, searched: dirs.to_vec() }
    }

    /// Whether some font has Chinese characters.
    pub fn covers_cjk(&self) -> bool {
        (0..self.slots.len()).any(|i| self.book.info(i).is_some_and(|info| info.coverage.contains(CJK_PROBE as u32)))
    }

    /// The characters of `text` that no font has (each once, in order of appearance): a
    /// document with one of them would show an empty box. Spaces and control characters need
    /// no glyph.
    pub fn uncovered(&self, text: &str) -> Vec<char> {
        let mut out: Vec<char> = Vec::new();
        for c in text.chars() {
            if c.is_whitespace() || c.is_control() || out.contains(&c) {
                continue;
            }
            let covered =
                (0..self.slots.len()).any(|i| self.book.info(i).is_some_and(|info| info.coverage.contains(c as u32)));
            if !covered {
                out.push(c);
            }
        }
        out
    }

    /// The font families found, sorted, for `linxuan doctor`-like reports and logs.
    pub fn families(&self) -> Vec<String> {
        let mut out: Vec<String> =
            (0..self.slots.len()).filter_map(|i| self.book.info(i)).map(|i| i.family.clone()).collect();
        out.sort();
        out.dedup();
        out
    }

    fn searched(&self) -> String {
        self.searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    }
}

fn collect_font_files(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    // Font trees are shallow; the bound keeps a symlink loop from running away.
    if depth > 8 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_font_files(&path, out, depth + 1);
        } else if let Some(ext) = path.extension().and_then(|e| e.to_str())
            && matches!(ext.to_ascii_lowercase().as_str(), "otf" | "ttf" | "ttc" | "otc")
        {
            out.push(path);
        }
    }
}

/// Typesets documents: typst's standard library and the fonts, shared by every document.
pub struct Typesetter {
    library: LazyHash<Library>,
    fonts: Fonts,
}

impl Typesetter {
    pub fn new(fonts: Fonts) -> Typesetter {
        Typesetter { library: LazyHash::new(Library::default()), fonts }
    }

    pub fn fonts(&self) -> &Fonts {
        &self.fonts
    }

    /// Renders a template with its data into a PDF. `today` is the document's date (the
    /// caller's clock, so documents are reproducible in tests).
    pub fn render(&self, template: &str, data: &impl Serialize, today: (i32, u8, u8)) -> Result<Vec<u8>, PdfError> {
        self.typeset(template, data, today)?.pdf()
    }

    /// Lays a template out with its data, without writing the PDF yet.
    pub fn typeset(&self, template: &str, data: &impl Serialize, today: (i32, u8, u8)) -> Result<Typeset, PdfError> {
        if !self.fonts.covers_cjk() {
            return Err(PdfError::NoCjkFont { searched: self.fonts.searched() });
        }
        let json = serde_json::to_vec(data)?;
        let world = DocumentWorld {
            typesetter: self,
            main: Source::new(file_id("/main.typ"), template.to_string()),
            data: Bytes::new(json),
            today: Datetime::from_ymd(today.0, today.1, today.2),
        };
        let document: PagedDocument = typst::compile(&world).output.map_err(|errors| describe(&errors))?;
        // typst memoises across compilations; keep only what recent documents used.
        typst::comemo::evict(10);
        Ok(Typeset { document })
    }
}

/// A document laid out: its pages, ready to be written as PDF or read back for checks.
pub struct Typeset {
    document: PagedDocument,
}

impl Typeset {
    pub fn pdf(&self) -> Result<Vec<u8>, PdfError> {
        let options = typst_pdf::PdfOptions { ident: Smart::Custom("linxuan".into()), ..Default::default() };
        typst_pdf::pdf(&self.document, &options).map_err(|errors| describe(&errors))
    }

    pub fn page_count(&self) -> usize {
        self.document.pages().len()
    }

    /// Each page's text runs, in layout order.
    pub fn text(&self) -> Vec<String> {
        self.document.pages().iter().map(|p| runs(&p.frame).iter().map(|t| t.text.as_str()).collect()).collect()
    }

    /// Each page's lines of text: text runs on the same baseline (absolute position, nested
    /// frames such as table cells included), left to right, joined. A table cell's wrapped name
    /// gives one line per row it takes.
    pub fn lines(&self) -> Vec<Vec<String>> {
        fn walk(frame: &Frame, origin: typst::layout::Point, out: &mut Vec<(i64, i64, i64, String)>) {
            for (pos, item) in frame.items() {
                let at = origin + *pos;
                match item {
                    FrameItem::Text(t) => {
                        let tenth = |v: f64| (v * 10.0).round() as i64;
                        out.push((
                            tenth(at.y.to_pt()),
                            tenth(at.x.to_pt()),
                            tenth((at.x + t.width()).to_pt()),
                            t.text.to_string(),
                        ))
                    }
                    FrameItem::Group(g) => walk(&g.frame, at, out),
                    _ => {}
                }
            }
        }
        self.document
            .pages()
            .iter()
            .map(|page| {
                let mut items = Vec::new();
                walk(&page.frame, typst::layout::Point::zero(), &mut items);
                items.sort();
                // One line per (baseline, cell): runs of one baseline further apart than a gap
                // belong to different table cells.
                let mut lines: Vec<(i64, i64, String)> = Vec::new();
                for (y, x, end, text) in items {
                    match lines.last_mut() {
                        Some((ly, lend, line)) if *ly == y && x - *lend < 30 => {
                            line.push_str(&text);
                            *lend = end;
                        }
                        _ => lines.push((y, end, text)),
                    }
                }
                lines.into_iter().map(|(_, _, l)| l).collect()
            })
            .collect()
    }

    /// Characters set without a glyph (shown as empty boxes): none, when the fonts cover the text.
    pub fn missing_glyphs(&self) -> Vec<String> {
        self.document
            .pages()
            .iter()
            .flat_map(|p| runs(&p.frame))
            .filter(|t| t.glyphs.iter().any(|g| g.id == 0))
            .map(|t| t.text.to_string())
            .collect()
    }

    /// The font families the text is set in.
    pub fn families(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .document
            .pages()
            .iter()
            .flat_map(|p| runs(&p.frame))
            .map(|t| t.font.font().info().family.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

fn runs(frame: &Frame) -> Vec<&TextItem> {
    let mut out = Vec::new();
    for (_, item) in frame.items() {
        match item {
            FrameItem::Text(t) => out.push(t),
            FrameItem::Group(g) => out.extend(runs(&g.frame)),
            _ => {}
        }
    }
    out
}

fn describe(errors: &[SourceDiagnostic]) -> PdfError {
    PdfError::Template(errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; "))
}

fn file_id(path: &str) -> FileId {
    RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).expect("a valid virtual path")).intern()
}

struct DocumentWorld<'a> {
    typesetter: &'a Typesetter,
    main: Source,
    data: Bytes,
    today: Option<Datetime>,
}

impl World for DocumentWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.typesetter.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.typesetter.fonts.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::NotSource) }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == file_id("/data.json") {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.typesetter.fonts.slots.get(index)?.get()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        self.today
    }
}
