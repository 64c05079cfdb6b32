//! Turning byte offsets in scanned text into 1-based line and byte column in the original.

/// Where a scanned text starts inside its original input (non-zero for chunks of big inputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Base {
    /// Absolute offset of the text's first byte.
    pub offset: usize,
    /// Line number (1-based) of the text's first byte.
    pub line: usize,
    /// Absolute offset of the start of that line.
    pub line_start: usize,
}

impl Default for Base {
    fn default() -> Self {
        Base {
            offset: 0,
            line: 1,
            line_start: 0,
        }
    }
}

/// Line index of one text.
pub struct Locator<'a> {
    newlines: Vec<usize>,
    base: Base,
    map: Option<&'a [usize]>,
}

/// A 1-based position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line.
    pub line: usize,
    /// Byte column in the original input.
    pub column: usize,
}

impl<'a> Locator<'a> {
    /// Indexes `text`; `map` gives original offsets for decoded text (UTF-16).
    pub fn new(text: &[u8], base: Base, map: Option<&'a [usize]>) -> Self {
        Locator {
            newlines: memchr::memchr_iter(b'\n', text).collect(),
            base,
            map,
        }
    }

    fn original(&self, off: usize) -> usize {
        match self.map {
            Some(m) => m.get(off).copied().unwrap_or(off),
            None => self.base.offset + off,
        }
    }

    /// Position of text offset `off`.
    pub fn position(&self, off: usize) -> Position {
        let idx = self.newlines.partition_point(|&n| n < off);
        let (line, line_start) = if idx == 0 {
            (self.base.line, None)
        } else {
            (self.base.line + idx, Some(self.newlines[idx - 1] + 1))
        };
        let start_abs = match line_start {
            Some(ls) => self.original(ls),
            None if self.map.is_some() => self.original(0),
            None => self.base.line_start,
        };
        Position {
            line,
            column: self.original(off).saturating_sub(start_abs) + 1,
        }
    }

    /// Text offsets `[start, end)` of the line containing `off`.
    pub fn line_span(&self, off: usize, text_len: usize) -> (usize, usize) {
        let idx = self.newlines.partition_point(|&n| n < off);
        let start = if idx == 0 {
            0
        } else {
            self.newlines[idx - 1] + 1
        };
        let end = self.newlines.get(idx).copied().unwrap_or(text_len);
        (start, end)
    }

    /// Text offsets of the line before the one containing `off`, if it is in this text.
    pub fn previous_line_span(&self, off: usize) -> Option<(usize, usize)> {
        let idx = self.newlines.partition_point(|&n| n < off);
        if idx == 0 {
            return None;
        }
        let end = self.newlines[idx - 1];
        let start = if idx == 1 {
            0
        } else {
            self.newlines[idx - 2] + 1
        };
        Some((start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_bytes() {
        let text = b"ab\ncd\r\nef";
        let loc = Locator::new(text, Base::default(), None);
        assert_eq!(loc.position(0), Position { line: 1, column: 1 });
        assert_eq!(loc.position(3), Position { line: 2, column: 1 });
        assert_eq!(loc.position(7), Position { line: 3, column: 1 });
        assert_eq!(loc.line_span(4, text.len()), (3, 6));
        assert_eq!(loc.previous_line_span(7), Some((3, 6)));
        assert_eq!(loc.previous_line_span(1), None);
    }

    #[test]
    fn chunk_base_carries_line_and_column() {
        let base = Base {
            offset: 100,
            line: 7,
            line_start: 90,
        };
        let loc = Locator::new(b"xyz\nab", base, None);
        assert_eq!(
            loc.position(1),
            Position {
                line: 7,
                column: 12
            }
        );
        assert_eq!(loc.position(5), Position { line: 8, column: 2 });
    }
}
