//! The JSONPath dialect of Step Functions (Jayway JsonPath, not RFC 9535): what a path field
//! (`InputPath`, `ItemsPath`, `Variable`, a `.$` key's value, …) may hold.
//!
//! A path starts at `$` (the state's input, or its result in `ResultSelector`), `$$` (the
//! context object) or `$name` (a workflow variable), then takes steps: `.name`, `['name']`,
//! `[0]`, and the forms that may select several nodes: `.*`, `[*]`, `..name`, `[0:2]`,
//! `[0,1]`, `['a','b']`, filters `[?(@.price < 10)]` and functions such as `.length()`. A
//! *reference path* (where one node must be named: `ResultPath`, Choice `Variable`, the
//! `…Path` fields) takes only the single-node steps.

/// A place in the path text (byte offsets) with what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub start: usize,
    pub end: usize,
    pub message: String,
}

/// Where a path starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Root {
    /// `$`: the input (or the result, in `ResultSelector`).
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: a workflow variable.
    Variable,
}

/// A path that parses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    pub root: Root,
    /// The first step that may select more than one node, if any: such a path is no
    /// reference path.
    pub multi: Option<Error>,
}

impl Path {
    /// Whether the path names at most one node (a reference path).
    #[must_use]
    pub fn is_reference(&self) -> bool {
        self.multi.is_none()
    }
}

/// Parses a path of the dialect.
pub fn parse(text: &str) -> Result<Path, Error> {
    Parser { text, bytes: text.as_bytes(), pos: 0, multi: None }.path()
}

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    multi: Option<Error>,
}

/// Whether a character may be part of a name after `.`.
fn name_char(c: char) -> bool {
    !matches!(c, '.' | '[' | ']' | '(' | ')' | '\'' | '"' | ',' | '?' | '@' | '*' | '$') && !c.is_whitespace() && !c.is_control()
}

impl Parser<'_> {
    fn error(&self, start: usize, end: usize, message: impl Into<String>) -> Error {
        let end = end.max(start).min(self.text.len());
        Error { start: start.min(self.text.len()), end, message: message.into() }
    }

    /// The character at the cursor, as a span for messages (the last character at the end).
    fn here(&self, message: impl Into<String>) -> Error {
        if self.pos >= self.text.len() {
            let last = self.text.char_indices().last().map_or(0, |(i, _)| i);
            return self.error(last, self.text.len(), message);
        }
        let len = self.text[self.pos..].chars().next().map_or(1, char::len_utf8);
        self.error(self.pos, self.pos + len, message)
    }

    fn many(&mut self, start: usize, what: &str) {
        if self.multi.is_none() {
            self.multi = Some(Error {
                start,
                end: self.pos.max(start + 1).min(self.text.len()),
                message: format!("{what} may select several values"),
            });
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn path(mut self) -> Result<Path, Error> {
        if self.peek() != Some(b'$') {
            return Err(self.here("a path starts with `$` (the input), `$$` (the context object) or `$name` (a variable)"));
        }
        self.pos = 1;
        let root = match self.peek() {
            Some(b'$') => {
                self.pos = 2;
                Root::Context
            }
            Some(b) if b.is_ascii_alphabetic() || b == b'_' => {
                while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    self.pos += 1;
                }
                Root::Variable
            }
            _ => Root::Input,
        };
        while self.pos < self.bytes.len() {
            match self.peek() {
                Some(b'.') => self.dot()?,
                Some(b'[') => self.bracket()?,
                _ => return Err(self.here("after the root or a step comes `.name`, `[…]` or the end of the path")),
            }
        }
        Ok(Path { root, multi: self.multi })
    }

    fn dot(&mut self) -> Result<(), Error> {
        let start = self.pos;
        self.pos += 1;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            match self.peek() {
                Some(b'*') => self.pos += 1,
                Some(b'[') => self.bracket()?,
                _ => self.name("`..` needs a name, `*` or `[…]` after it")?,
            }
            self.many(start, "`..` (deep scan)");
            return Ok(());
        }
        if self.peek() == Some(b'*') {
            self.pos += 1;
            self.many(start, "`.*`");
            return Ok(());
        }
        // Jayway reads `.[0]` and `.['a']` as `[0]` and `['a']`.
        if self.peek() == Some(b'[') {
            return self.bracket();
        }
        self.name("`.` needs a name after it")?;
        if self.text[self.pos..].starts_with("()") {
            self.pos += 2;
            self.many(start, "a function");
        }
        Ok(())
    }

    fn name(&mut self, missing: &str) -> Result<(), Error> {
        let start = self.pos;
        for c in self.text[self.pos..].chars() {
            if !name_char(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        if self.pos == start {
            return Err(self.here(missing));
        }
        Ok(())
    }

    fn bracket(&mut self) -> Result<(), Error> {
        let open = self.pos;
        self.pos += 1;
        match self.peek() {
            Some(b'\'' | b'"') => {
                let mut names = 0;
                loop {
                    self.quoted()?;
                    names += 1;
                    self.spaces();
                    if self.peek() == Some(b',') {
                        self.pos += 1;
                        self.spaces();
                        continue;
                    }
                    break;
                }
                if names > 1 {
                    self.many(open, "a list of names");
                }
            }
            Some(b'*') => {
                self.pos += 1;
                self.many(open, "`[*]`");
            }
            Some(b'?') => {
                self.pos += 1;
                if self.peek() != Some(b'(') {
                    return Err(self.here("a filter is written `[?(…)]`"));
                }
                self.expression(open)?;
                self.many(open, "a filter");
            }
            Some(b'(') => {
                self.expression(open)?;
                self.many(open, "a script expression");
            }
            Some(b) if b.is_ascii_digit() || b == b'-' || b == b':' => self.indices(open)?,
            _ => return Err(self.here("`[` takes an index, a quoted name, `*`, a slice or a filter")),
        }
        if self.peek() != Some(b']') {
            return Err(self.here(format!("the `[` at character {} is not closed with `]`", open + 1)));
        }
        self.pos += 1;
        // A step that selects several values is marked as a whole, brackets included.
        if let Some(multi) = &mut self.multi
            && multi.start == open
        {
            multi.end = self.pos;
        }
        Ok(())
    }

    fn spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    fn quoted(&mut self) -> Result<(), Error> {
        let Some(quote) = self.peek().filter(|q| *q == b'\'' || *q == b'"') else {
            return Err(self.here("expected a quoted name"));
        };
        let start = self.pos;
        self.pos += 1;
        while let Some(b) = self.peek() {
            self.pos += 1;
            if b == b'\\' {
                self.pos += 1;
            } else if b == quote {
                return Ok(());
            }
        }
        Err(self.error(start, start + 1, "this quoted name is not closed"))
    }

    /// `[0]`, `[-1]`, `[0:2]`, `[:2:1]`, `[0,1]`.
    fn indices(&mut self, open: usize) -> Result<(), Error> {
        let number = |p: &mut Self| {
            let start = p.pos;
            if p.peek() == Some(b'-') {
                p.pos += 1;
            }
            let digits = p.pos;
            while p.peek().is_some_and(|b| b.is_ascii_digit()) {
                p.pos += 1;
            }
            if p.pos == digits {
                p.pos = start;
                false
            } else {
                true
            }
        };
        let first = number(self);
        match self.peek() {
            Some(b':') => {
                for _ in 0..2 {
                    if self.peek() != Some(b':') {
                        break;
                    }
                    self.pos += 1;
                    number(self);
                }
                self.many(open, "a slice");
            }
            Some(b',') if first => {
                while self.peek() == Some(b',') {
                    self.pos += 1;
                    self.spaces();
                    if !number(self) {
                        return Err(self.here("expected an index after `,`"));
                    }
                }
                self.many(open, "a list of indices");
            }
            _ if !first => return Err(self.here("expected an index")),
            _ => {}
        }
        Ok(())
    }

    /// A parenthesised expression (a filter's or a script's), balanced, quotes respected.
    fn expression(&mut self, open: usize) -> Result<(), Error> {
        let start = self.pos;
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            match b {
                b'(' | b'[' => depth += 1,
                b')' | b']' => {
                    if depth == 0 {
                        return Err(self.here("unbalanced `)` or `]` in the expression"));
                    }
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        if self.pos == start + 2 {
                            return Err(self.error(start, self.pos, "the expression is empty"));
                        }
                        return Ok(());
                    }
                }
                b'\'' | b'"' => {
                    self.quoted()?;
                    continue;
                }
                _ => {}
            }
            self.pos += 1;
        }
        Err(self.here(format!("the `[` at character {} opens an expression that is not closed", open + 1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_the_dialect() {
        for (text, reference) in [
            ("$", true),
            ("$$", true),
            ("$.a.b", true),
            ("$$.Execution.Input", true),
            ("$$.Map.Item.Value", true),
            ("$['a b'].c", true),
            ("$.a[0]", true),
            ("$.a[-1]", true),
            ("$.x-y.z_1", true),
            ("$myVar", true),
            ("$myVar.field[2]", true),
            ("$.a[*]", false),
            ("$..a", false),
            ("$.a[0:2]", false),
            ("$.a[:2]", false),
            ("$.a[0,1]", false),
            ("$['a','b']", false),
            ("$.a[?(@.x > 1)]", false),
            ("$.a[?(@.name == 'x)y')]", false),
            ("$.a.length()", false),
            ("$.*", false),
            ("$.[0]", true),
            ("$.Snapshots.[0].State", true),
            ("$.[*].['bucket', 'key']", false),
        ] {
            let path = parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(path.is_reference(), reference, "{text}");
        }
    }

    #[test]
    fn errors_point_at_the_character() {
        for (text, at) in [
            ("$.items[?(@.x", 12),
            ("23", 0),
            ("$$23", 2),
            (" $.a", 0),
            ("$.a[", 3),
            ("$.a[0", 4),
            ("$.", 1),
            ("$.a b", 3),
            ("$.a['b]", 4),
            ("$.a[x]", 4),
        ] {
            let err = parse(text).expect_err(text);
            assert_eq!(err.start, at, "{text}: {err:?}");
            assert!(err.end > err.start, "{text}: {err:?}");
        }
    }
}
