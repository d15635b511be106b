//! Source text and spans.
//!
//! Takes the bytes of one file and gives a [`Source`]: the text (UTF-8, the BOM kept so byte
//! offsets are those of the file on disk) with a line index. [`Span`]s are byte ranges into
//! that text; this module and `report/` are the only places that turn them into 1-based
//! line and column numbers (columns count Unicode code points; a leading BOM is not a column).

use std::path::PathBuf;

/// A byte range `[start, end)` into one file's original text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    #[must_use]
    pub fn new(start: usize, end: usize) -> Self {
        let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Self { start: clamp(start), end: clamp(end.max(start)) }
    }

    #[must_use]
    pub fn start(self) -> usize {
        self.start as usize
    }

    #[must_use]
    pub fn end(self) -> usize {
        self.end as usize
    }

    #[must_use]
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    #[must_use]
    pub fn is_empty(self) -> bool {
        self.end == self.start
    }

    /// The smallest span covering both.
    #[must_use]
    pub fn cover(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// A 1-based line and column (in code points), with the byte offset it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// One input file: its path as given (relative to the working directory when possible),
/// its text and a line index.
///
/// Once a large file is checked, its findings keep only an excerpt ([`Source::excerpt`]): the
/// line index and the text around each finding, so a run over many large files does not hold
/// them all until the report. Then `text` is empty and [`Source::get`] reads the excerpt.
#[derive(Debug)]
pub struct Source {
    pub path: PathBuf,
    pub text: String,
    excerpt: Option<Box<Excerpt>>,
    line_starts: Vec<u32>,
    /// Code points before each multiple of [`CHECKPOINT`] bytes: a column on a very long line
    /// (a one-line Terraform plan) costs at most one block of counting, not the whole line.
    /// None for ASCII text, whose columns are byte counts.
    checkpoints: Option<Box<[u32]>>,
}

const CHECKPOINT: usize = 4096;

/// The parts of a text kept for the report, by offset.
#[derive(Debug)]
struct Excerpt {
    len: usize,
    bom: bool,
    pieces: Vec<(usize, String)>,
}

impl Excerpt {
    /// The piece that starts at or before `offset` (it may end before it), and where it starts.
    fn piece(&self, offset: usize) -> Option<(usize, &str)> {
        let index = self.pieces.partition_point(|(at, _)| *at <= offset).checked_sub(1)?;
        let (at, text) = &self.pieces[index];
        Some((*at, text))
    }
}

/// Text kept on each side of a finding's offsets (a snippet shows a few short lines or a
/// window of a long one; a column counts from the 4 KiB checkpoint before it).
const EXCERPT_MARGIN: usize = 1024;

/// Why a file's bytes are not text we can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    /// The bytes are not UTF-8; `valid_up_to` is the offset of the first bad byte.
    InvalidUtf8 { valid_up_to: usize },
    /// A NUL byte: the file is binary.
    Binary { offset: usize },
    /// UTF-16 (it starts with a byte-order mark) with an odd number of bytes after it.
    Utf16OddLength { offset: usize },
    /// UTF-16 with a surrogate that has no partner, at this byte offset.
    Utf16Surrogate { offset: usize },
}

impl Source {
    /// Builds a source from text already in memory.
    #[must_use]
    pub fn new(path: impl Into<PathBuf>, text: String) -> Self {
        let line_starts = line_starts(&text);
        let checkpoints = (!text.is_ascii()).then(|| {
            let mut chars = 0u32;
            text.as_bytes()
                .chunks(CHECKPOINT)
                .map(|block| {
                    let before = chars;
                    chars += block.iter().filter(|b| (**b & 0xC0) != 0x80).count() as u32;
                    before
                })
                .collect()
        });
        Self { path: path.into(), text, excerpt: None, line_starts, checkpoints }
    }

    /// The same source keeping only the text around `offsets` (with the line index): what the
    /// report needs to place and show findings at those offsets.
    #[must_use]
    pub fn excerpt(&self, offsets: impl IntoIterator<Item = usize>) -> Self {
        let len = self.len();
        let mut ranges: Vec<(usize, usize)> = offsets
            .into_iter()
            .map(|o| {
                let o = o.min(len);
                let from = o.saturating_sub(EXCERPT_MARGIN) / CHECKPOINT * CHECKPOINT;
                (from, (o + EXCERPT_MARGIN).min(len))
            })
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (from, to) in ranges {
            match merged.last_mut() {
                Some(last) if from <= last.1 => last.1 = last.1.max(to),
                _ => merged.push((from, to)),
            }
        }
        let pieces = merged
            .into_iter()
            .filter_map(|(from, to)| {
                // On character boundaries: the start may move a few bytes before its checkpoint.
                let from = (0..=from).rev().find(|i| self.is_char_boundary(*i)).unwrap_or(0);
                let to = (to..=len).find(|i| self.is_char_boundary(*i)).unwrap_or(len);
                self.get(from..to).map(|text| (from, text.to_string()))
            })
            .collect();
        Self {
            path: self.path.clone(),
            text: String::new(),
            excerpt: Some(Box::new(Excerpt { len, bom: self.content_start() == 3, pieces })),
            line_starts: self.line_starts.clone(),
            checkpoints: self.checkpoints.clone(),
        }
    }

    /// The length of the whole text.
    #[must_use]
    pub fn len(&self) -> usize {
        self.excerpt.as_ref().map_or(self.text.len(), |e| e.len)
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text of a byte range, when it is held (always, unless this is an excerpt) and lies on
    /// character boundaries.
    #[must_use]
    pub fn get(&self, range: std::ops::Range<usize>) -> Option<&str> {
        let Some(excerpt) = &self.excerpt else { return self.text.get(range) };
        let (at, text) = excerpt.piece(range.start)?;
        text.get(range.start - at..range.end.checked_sub(at)?)
    }

    /// Whether an offset is a character boundary (true where an excerpt holds no text: there
    /// is nothing to cut).
    #[must_use]
    pub fn is_char_boundary(&self, offset: usize) -> bool {
        let Some(excerpt) = &self.excerpt else { return self.text.is_char_boundary(offset) };
        match excerpt.piece(offset) {
            Some((at, text)) if offset - at <= text.len() => text.is_char_boundary(offset - at),
            _ => true,
        }
    }

    /// Decodes a file's bytes. On failure the returned source holds the readable prefix,
    /// so the error can still be placed at a line and column.
    ///
    /// UTF-16 with a byte-order mark (what Windows PowerShell writes for `terraform show -json >
    /// plan.json`) is decoded too; offsets then refer to the UTF-8 text, lines and columns to
    /// the file as an editor shows it.
    pub fn from_bytes(path: impl Into<PathBuf>, bytes: Vec<u8>) -> Result<Self, (Self, TextError)> {
        let path = path.into();
        let utf16 = match bytes.get(..2) {
            Some([0xFF, 0xFE]) => Some(u16::from_le_bytes as fn([u8; 2]) -> u16),
            Some([0xFE, 0xFF]) => Some(u16::from_be_bytes as fn([u8; 2]) -> u16),
            _ => None,
        };
        if let Some(decode) = utf16 {
            let body = &bytes[2..];
            let units = body.chunks_exact(2).map(|c| decode([c[0], c[1]]));
            let mut text = String::with_capacity(body.len() / 2 * 3 / 2);
            let mut unit = 0;
            for c in char::decode_utf16(units) {
                match c {
                    Ok(c) => {
                        text.push(c);
                        unit += c.len_utf16();
                    }
                    Err(_) => return Err((Self::new(path, text), TextError::Utf16Surrogate { offset: 2 + 2 * unit })),
                }
            }
            if body.len() % 2 == 1 {
                return Err((Self::new(path, text), TextError::Utf16OddLength { offset: bytes.len() - 1 }));
            }
            return Ok(Self::new(path, text));
        }
        if let Some(offset) = memchr_nul(&bytes) {
            let prefix = String::from_utf8_lossy(&bytes[..offset]).into_owned();
            return Err((Self::new(path, prefix), TextError::Binary { offset }));
        }
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Self::new(path, text)),
            Err(err) => {
                let valid_up_to = err.utf8_error().valid_up_to();
                let mut bytes = err.into_bytes();
                bytes.truncate(valid_up_to);
                let prefix = String::from_utf8(bytes).unwrap_or_default();
                Err((Self::new(path, prefix), TextError::InvalidUtf8 { valid_up_to }))
            }
        }
    }

    /// Byte offset where the content starts (after a UTF-8 BOM, if any).
    #[must_use]
    pub fn content_start(&self) -> usize {
        let bom = self.excerpt.as_ref().map_or_else(|| self.text.starts_with('\u{feff}'), |e| e.bom);
        if bom { 3 } else { 0 }
    }

    /// 1-based line and code-point column of a byte offset (clamped to the text; an offset
    /// inside a multi-byte character counts as that character).
    #[must_use]
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.len());
        let line_index = match self.line_starts.binary_search(&u32::try_from(offset).unwrap_or(u32::MAX)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let line_start = self.line_starts[line_index] as usize;
        let mut from = line_start;
        if line_index == 0 {
            from = from.max(self.content_start().min(offset));
        }
        let column = self.chars_before(offset).saturating_sub(self.chars_before(from)) + 1;
        Position { line: line_index + 1, column, offset }
    }

    /// Code points that start before a byte offset.
    fn chars_before(&self, offset: usize) -> usize {
        let Some(checkpoints) = &self.checkpoints else { return offset };
        let block = offset / CHECKPOINT;
        let base = checkpoints.get(block).map_or(0, |c| *c as usize);
        let start = (block * CHECKPOINT).min(offset);
        let bytes = match &self.excerpt {
            None => self.text.as_bytes().get(start..offset),
            Some(excerpt) => excerpt.piece(start).and_then(|(at, text)| text.as_bytes().get(start - at..offset.checked_sub(at)?)),
        };
        // An excerpt holds the text before every offset it was made for; others count as ASCII.
        base + bytes.map_or(offset - start, |b| b.iter().filter(|b| (**b & 0xC0) != 0x80).count())
    }

    /// The 0-based index of the line holding a byte offset (clamped to the text).
    #[must_use]
    pub fn line_index(&self, offset: usize) -> usize {
        let offset = u32::try_from(offset.min(self.len())).unwrap_or(u32::MAX);
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// The byte range of a 0-based line, without its line break (`\n` or `\r\n`).
    #[must_use]
    pub fn line_range(&self, index: usize) -> std::ops::Range<usize> {
        let len = self.len();
        let start = self.line_starts.get(index).map_or(len, |s| *s as usize);
        let next = self.line_starts.get(index + 1).map_or(len, |s| *s as usize);
        let mut end = next;
        // Every line but the last ends with `\n` (that is where the index starts a line).
        if index + 1 < self.line_starts.len() {
            end -= 1;
            if end > start && self.get(end - 1..end) == Some("\r") {
                end -= 1;
            }
        }
        start..end
    }

    /// Start and end positions of a span. The end is exclusive, as in LSP and SARIF.
    #[must_use]
    pub fn range(&self, span: Span) -> (Position, Position) {
        (self.position(span.start()), self.position(span.end()))
    }

    /// The text a span covers (empty when the span is out of range).
    #[must_use]
    pub fn slice(&self, span: Span) -> &str {
        self.get(span.start()..span.end()).unwrap_or("")
    }

    /// Number of lines (a trailing newline does not open a new line for this count).
    #[must_use]
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

fn line_starts(text: &str) -> Vec<u32> {
    // Counted first: the table is kept with the source for the report.
    let mut starts = Vec::with_capacity(1 + text.bytes().filter(|b| *b == b'\n').count());
    starts.push(0u32);
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
        }
    }
    starts
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    // Only the head decides: a NUL in the first 8 KiB marks a binary file, as git does.
    bytes.iter().take(8192).position(|b| *b == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_code_points_and_skip_bom() {
        let src = Source::new("a", "\u{feff}{\r\n  \"é\": 1\n}".to_string());
        assert_eq!(src.position(3).line, 1);
        assert_eq!(src.position(3).column, 1);
        let one = src.text.find('1').unwrap();
        let pos = src.position(one);
        assert_eq!((pos.line, pos.column), (2, 8));
        let close = src.text.rfind('}').unwrap();
        assert_eq!((src.position(close).line, src.position(close).column), (3, 1));
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("{\"a\": \"é\"}".encode_utf16().flat_map(u16::to_le_bytes));
        let src = Source::from_bytes("x", bytes).unwrap();
        assert_eq!(src.text, "{\"a\": \"é\"}");
    }

    #[test]
    fn columns_on_long_lines_cross_checkpoints() {
        let text = format!("{}é{}x", "a".repeat(5000), "b".repeat(9000));
        let src = Source::new("long", text.clone());
        let x = text.find('x').unwrap();
        assert_eq!(src.position(x).column, text[..x].chars().count() + 1);
        assert_eq!(src.position(4096).column, 4097);
    }

    #[test]
    fn excerpts_place_and_show_what_they_were_made_for() {
        let text = format!("{}\n{}é{}\n{}", "a".repeat(9000), "漢".repeat(7000), "c".repeat(3000), "d".repeat(20_000));
        let full = Source::new("f", text.clone());
        let near = text.find('é').unwrap() + 40;
        let excerpt = full.excerpt([near, text.len() - 5]);
        assert!(excerpt.excerpt.as_ref().unwrap().pieces.iter().map(|(_, t)| t.len()).sum::<usize>() <= 2 * 6 * 1024);
        for offset in [near, text.len() - 5, text.len()] {
            assert_eq!(excerpt.position(offset), full.position(offset));
        }
        assert_eq!(excerpt.get(near - 10..near + 10), full.get(near - 10..near + 10));
        assert_eq!(excerpt.line_range(1), full.line_range(1));
        assert_eq!(excerpt.get(100..110), None);
    }

    #[test]
    fn invalid_utf8_keeps_prefix() {
        let Err((src, err)) = Source::from_bytes("x", b"{\n \"a\xff\"}".to_vec()) else { panic!() };
        assert_eq!(err, TextError::InvalidUtf8 { valid_up_to: 5 });
        assert_eq!(src.position(5).line, 2);
    }
}
