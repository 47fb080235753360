//! A small, deterministic PDF writer for the readout paper.
//!
//! Why hand-written: the paper needs text, rules, tables and one line chart.
//! PDF's 14 standard fonts (Helvetica here) need no embedding, so a ~200-line
//! writer produces a valid, byte-identical file every time, with no heavy
//! dependency (a typesetting engine would add minutes of build time on the
//! 2-core CI for the same result) and nothing downloaded at run time. Text is
//! WinAnsi-encoded, so `pdftotext` reads it back.

/// A page being drawn, in PDF points (A4: 595 x 842), origin bottom left.
pub struct Page {
    ops: String,
}

impl Page {
    pub fn new() -> Page {
        Page { ops: String::new() }
    }

    /// Text at (x, y) in Helvetica (`bold` for Helvetica-Bold) of `size` points.
    pub fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, s: &str) {
        let font = if bold { "F2" } else { "F1" };
        self.ops.push_str(&format!(
            "BT /{font} {size:.1} Tf {x:.2} {y:.2} Td ({}) Tj ET\n",
            escape(s)
        ));
    }

    /// Text in white (on a dark band).
    pub fn text_white(&mut self, x: f32, y: f32, size: f32, bold: bool, s: &str) {
        self.ops.push_str("1 g\n");
        self.text(x, y, size, bold, s);
        self.ops.push_str("0 g\n");
    }

    /// Right-aligned text ending at x (approximate Helvetica widths).
    pub fn text_right(&mut self, x: f32, y: f32, size: f32, bold: bool, s: &str) {
        self.text(x - width(s, size), y, size, bold, s);
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, gray: f32) {
        self.ops.push_str(&format!(
            "{gray:.2} G {width:.2} w {x1:.2} {y1:.2} m {x2:.2} {y2:.2} l S\n"
        ));
    }

    pub fn rect_fill(&mut self, x: f32, y: f32, w: f32, h: f32, rgb: (f32, f32, f32)) {
        self.ops.push_str(&format!(
            "{:.3} {:.3} {:.3} rg {x:.2} {y:.2} {w:.2} {h:.2} re f 0 g\n",
            rgb.0, rgb.1, rgb.2
        ));
    }

    /// A polyline in colour `rgb`.
    pub fn polyline(&mut self, points: &[(f32, f32)], width: f32, rgb: (f32, f32, f32)) {
        if points.len() < 2 {
            return;
        }
        self.ops
            .push_str(&format!("{:.3} {:.3} {:.3} RG {width:.2} w ", rgb.0, rgb.1, rgb.2));
        for (i, (x, y)) in points.iter().enumerate() {
            self.ops
                .push_str(&format!("{x:.2} {y:.2} {} ", if i == 0 { "m" } else { "l" }));
        }
        self.ops.push_str("S 0 G\n");
    }
}

impl Default for Page {
    fn default() -> Self {
        Page::new()
    }
}

/// Approximate width of Helvetica text (average glyph widths), for alignment.
pub fn width(s: &str, size: f32) -> f32 {
    s.chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 0.28,
            'f' | 't' | 'r' | ' ' | '(' | ')' | '-' | '/' => 0.33,
            'm' | 'w' | 'M' | 'W' | '—' => 0.85,
            'A'..='Z' => 0.68,
            '0'..='9' | '$' => 0.556,
            _ => 0.52,
        })
        .sum::<f32>()
        * size
}

/// Escapes text for a PDF string in WinAnsiEncoding.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '—' => out.push_str("\\227"),
            '–' => out.push_str("\\226"),
            '•' => out.push_str("\\225"),
            '·' => out.push_str("\\267"),
            '→' => out.push_str("->"),
            '±' => out.push_str("\\261"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// Assembles pages into a PDF document (A4), deterministic byte for byte.
pub fn document(title: &str, pages: &[Page]) -> Vec<u8> {
    let mut objects: Vec<String> = vec![];
    // 1 catalog, 2 pages, 3 font, 4 bold font, 5 info, then (content, page) pairs.
    let n = pages.len();
    let page_ids: Vec<usize> = (0..n).map(|i| 8 + 2 * i).collect();
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    objects.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {n} >>",
        page_ids
            .iter()
            .map(|i| format!("{i} 0 R"))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    objects.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into());
    objects.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>".into());
    objects.push(format!("<< /Title ({}) /Producer (Capcall) >>", escape(title)));
    objects.push("<< >>".into()); // 6: reserved (keeps page ids simple)
    for p in pages {
        objects.push(format!("<< /Length {} >>\nstream\n{}endstream", p.ops.len(), p.ops));
        let content_id = objects.len();
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {content_id} 0 R /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>"
        ));
    }
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = vec![];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}
