//! The PDF typesetter: Typst as a library, in a closed world.
//!
//! The world holds exactly three things: the template
//! (`templates/board-paper.typ`, compiled into the binary), the data as
//! `/data.json` and the chart as `/ucr_trend.svg`; fonts are the files in
//! `fonts/` (see its README for coverage and licences), also compiled in.
//! Nothing is read from the system, no package is downloaded, and there is
//! no clock (`today` is `None`; the template sets `date: none`), so the same
//! data gives the same bytes. The PDF's document identifier is derived from
//! the data.
//!
//! The data reaches Typst as a JSON file the template decodes with
//! `json(…)`: user text is never spliced into Typst source.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

const TEMPLATE: &str = include_str!("../templates/board-paper.typ");
const FONT_FILES: [&[u8]; 4] = [
    include_bytes!("../fonts/DejaVuSans.ttf"),
    include_bytes!("../fonts/DejaVuSans-Bold.ttf"),
    include_bytes!("../fonts/DroidSansFallbackFull.ttf"),
    include_bytes!("../fonts/NanumGothic.ttf"),
];

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = FONT_FILES
            .iter()
            .flat_map(|data| Font::iter(Bytes::new(*data)))
            .collect();
        Fonts {
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(<Library as LibraryExt>::default()))
}

fn id(path: &str) -> FileId {
    // The paths are constants; `VirtualPath::new` only fails on `..` or
    // invalid components.
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| unreachable!("constant path {path}"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

struct Paper {
    main: FileId,
    data_id: FileId,
    chart_id: FileId,
    source: Source,
    data: Bytes,
    chart: Bytes,
}

impl World for Paper {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main {
            Ok(self.source.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.chart_id {
            Ok(self.chart.clone())
        } else {
            Err(FileError::NotFound(id.vpath().get_with_slash().into()))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

fn explain(what: &str, diags: &[SourceDiagnostic]) -> String {
    let msgs: Vec<String> = diags
        .iter()
        .map(|d| {
            let mut m = d.message.to_string();
            for h in &d.hints {
                m.push_str(&format!(" (hint: {})", h.v));
            }
            m
        })
        .collect();
    format!("{what}: {}", msgs.join("; "))
}

/// Typesets the board paper from its JSON data and the UCR chart (SVG).
/// The document identifier is a digest of the data, so one pack has one
/// identifier and the bytes depend on nothing else.
pub fn board_paper(data_json: &[u8], chart_svg: &[u8]) -> Result<Vec<u8>, String> {
    let world = Paper {
        main: id("/board-paper.typ"),
        data_id: id("/data.json"),
        chart_id: id("/ucr_trend.svg"),
        source: Source::new(id("/board-paper.typ"), TEMPLATE.to_string()),
        data: Bytes::new(data_json.to_vec()),
        chart: Bytes::new(chart_svg.to_vec()),
    };
    // The document type (`PagedDocument`) follows from `typst_pdf::pdf`.
    let doc = typst::compile(&world)
        .output
        .map_err(|e| explain("board paper template", &e))?;
    let options = typst_pdf::PdfOptions {
        ident: Smart::Custom(format!("capcall-board-paper-{}", fnv64(data_json, chart_svg))),
        creator: Smart::Custom(Some("Capcall".into())),
        timestamp: None,
        ..Default::default()
    };
    typst_pdf::pdf(&doc, &options).map_err(|e| explain("board paper PDF", &e))
}

/// FNV-1a over the inputs: a stable identifier (not a security digest).
fn fnv64(a: &[u8], b: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in a.iter().chain([0u8].iter()).chain(b) {
        h ^= u64::from(*byte);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
