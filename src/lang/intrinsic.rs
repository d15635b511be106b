//! Intrinsic functions of the States Language (`States.Format('{} items', $.count)`): the
//! syntax of a call, its arguments with their byte spans, and the functions Step Functions
//! knows with their arities and literal argument types.

use super::jsonpath;

/// A place in the text with what is wrong there.
pub type Error = jsonpath::Error;

#[derive(Clone, Debug, PartialEq)]
pub enum ArgKind {
    /// A quoted literal, unescaped.
    String(String),
    Number(f64),
    Bool(bool),
    Null,
    Path,
    Call(Call),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub kind: ArgKind,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// `Format` of `States.Format`.
    pub name: String,
    pub name_start: usize,
    pub name_end: usize,
    pub args: Vec<Arg>,
    pub start: usize,
    pub end: usize,
}

/// Whether a `.$` value is written as an intrinsic function call (and not as a path).
#[must_use]
pub fn looks_like_call(text: &str) -> bool {
    text.starts_with("States.")
}

/// Parses a whole value as one call.
pub fn parse(text: &str) -> Result<Call, Error> {
    let mut parser = Parser { text, pos: 0, depth: 0 };
    let call = parser.call()?;
    // Trailing spaces are read past (Step Functions trims them).
    parser.spaces();
    if parser.pos < text.len() {
        return Err(parser.here("nothing may follow the closing `)` of the call"));
    }
    Ok(call)
}

/// Calls nested deeper than this are refused (recursion bound).
const MAX_DEPTH: usize = 32;

struct Parser<'t> {
    text: &'t str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn here(&self, message: impl Into<String>) -> Error {
        let (start, end) = if self.pos >= self.text.len() {
            let last = self.text.char_indices().last().map_or(0, |(i, _)| i);
            (last, self.text.len())
        } else {
            (self.pos, self.pos + self.text[self.pos..].chars().next().map_or(1, char::len_utf8))
        };
        Error { start, end, message: message.into() }
    }

    fn spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    fn call(&mut self) -> Result<Call, Error> {
        let start = self.pos;
        if !self.text[self.pos..].starts_with("States.") {
            return Err(self.here("an intrinsic function call starts with `States.`"));
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.here(format!("calls nested deeper than {MAX_DEPTH} levels")));
        }
        self.pos += "States.".len();
        let name_start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_alphanumeric()) {
            self.pos += 1;
        }
        if self.pos == name_start {
            return Err(self.here("expected the function's name after `States.`"));
        }
        let name = self.text[name_start..self.pos].to_string();
        let name_end = self.pos;
        if self.peek() != Some(b'(') {
            return Err(self.here(format!("`States.{name}` must be followed by `(`")));
        }
        self.pos += 1;
        let mut args = Vec::new();
        self.spaces();
        if self.peek() == Some(b')') {
            self.pos += 1;
        } else {
            loop {
                self.spaces();
                args.push(self.arg()?);
                self.spaces();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b')') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.here("expected `,` or `)` after an argument")),
                }
            }
        }
        self.depth -= 1;
        Ok(Call { name, name_start, name_end, args, start, end: self.pos })
    }

    fn arg(&mut self) -> Result<Arg, Error> {
        let start = self.pos;
        let kind = match self.peek() {
            Some(b'\'') => ArgKind::String(self.string()?),
            Some(b'$') => {
                self.path_arg()?;
                ArgKind::Path
            }
            Some(b'S') if self.text[self.pos..].starts_with("States.") => ArgKind::Call(self.call()?),
            Some(b) if b == b'-' || b.is_ascii_digit() => ArgKind::Number(self.number()?),
            _ => {
                for (word, kind) in [("true", ArgKind::Bool(true)), ("false", ArgKind::Bool(false)), ("null", ArgKind::Null)] {
                    if self.text[self.pos..].starts_with(word) {
                        self.pos += word.len();
                        return Ok(Arg { kind, start, end: self.pos });
                    }
                }
                return Err(self.here("an argument is a quoted string ('…'), a number, true, false, null, a path or another call"));
            }
        };
        Ok(Arg { kind, start, end: self.pos })
    }

    /// `'…'` with `\'`, `\\`, `\{`, `\}` escapes.
    fn string(&mut self) -> Result<String, Error> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.text[self.pos..].chars().next() else {
                return Err(Error { start: open, end: open + 1, message: "this string is not closed with `'`".into() });
            };
            match c {
                '\'' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => {
                    let escaped = self.text[self.pos + 1..].chars().next();
                    match escaped {
                        Some(e @ ('\'' | '\\' | '{' | '}')) => {
                            // `\{` keeps its backslash for States.Format to read as a literal brace.
                            if matches!(e, '{' | '}') {
                                out.push('\\');
                            }
                            out.push(e);
                            self.pos += 2;
                        }
                        _ => return Err(self.here("only `\\'`, `\\\\`, `\\{` and `\\}` may be escaped in a string argument")),
                    }
                }
                _ => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn number(&mut self) -> Result<f64, Error> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        while self.peek().is_some_and(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) {
            self.pos += 1;
        }
        self.text[start..self.pos].parse().map_err(|_| Error { start, end: self.pos.max(start + 1), message: "not a number".into() })
    }

    /// A path argument: up to the `,` or `)` that ends it (outside brackets and quotes).
    fn path_arg(&mut self) -> Result<(), Error> {
        let start = self.pos;
        let mut depth = 0usize;
        let mut quote: Option<u8> = None;
        while let Some(b) = self.peek() {
            match (quote, b) {
                (Some(q), _) if b == q => quote = None,
                (Some(_), b'\\') => self.pos += 1,
                (None, b'\'' | b'"') => quote = Some(b),
                (None, b'[' | b'(') => depth += 1,
                (None, b']' | b')') if depth > 0 => depth -= 1,
                (None, b',' | b')' | b' ') if depth == 0 => break,
                _ => {}
            }
            self.pos += 1;
        }
        let text = &self.text[start..self.pos];
        jsonpath::parse(text).map(|_| ()).map_err(|e| Error { start: start + e.start, end: start + e.end, message: e.message })
    }
}

/// A literal type an argument must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    Any,
    String,
    Number,
    Integer,
    Boolean,
}

/// A function Step Functions provides: its arguments (the last `repeat`s any number of times).
pub struct Function {
    pub name: &'static str,
    pub args: &'static [Want],
    /// Arguments beyond `args`: none, any number of `Any` (`States.Array`, `States.Format`),
    /// or one optional more (`States.MathRandom`'s seed).
    pub rest: Rest,
    /// Whether it returns a string (`ErrorPath` and `CausePath` take only those); `ArrayGetItem`
    /// may.
    pub string: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rest {
    None,
    Any,
    Optional(Want),
}

/// The intrinsic functions of the specification and the Developer Guide (read 2026-12-01):
/// https://states-language.net/spec.html#appendix-b and
/// https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html
pub const FUNCTIONS: &[Function] = &[
    Function { name: "Format", args: &[Want::String], rest: Rest::Any, string: true },
    Function { name: "StringToJson", args: &[Want::String], rest: Rest::None, string: false },
    Function { name: "JsonToString", args: &[Want::Any], rest: Rest::None, string: true },
    Function { name: "Array", args: &[], rest: Rest::Any, string: false },
    Function { name: "ArrayPartition", args: &[Want::Any, Want::Integer], rest: Rest::None, string: false },
    Function { name: "ArrayContains", args: &[Want::Any, Want::Any], rest: Rest::None, string: false },
    Function { name: "ArrayRange", args: &[Want::Integer, Want::Integer, Want::Integer], rest: Rest::None, string: false },
    Function { name: "ArrayGetItem", args: &[Want::Any, Want::Integer], rest: Rest::None, string: true },
    Function { name: "ArrayLength", args: &[Want::Any], rest: Rest::None, string: false },
    Function { name: "ArrayUnique", args: &[Want::Any], rest: Rest::None, string: false },
    Function { name: "Base64Encode", args: &[Want::String], rest: Rest::None, string: true },
    Function { name: "Base64Decode", args: &[Want::String], rest: Rest::None, string: true },
    Function { name: "Hash", args: &[Want::Any, Want::String], rest: Rest::None, string: true },
    Function { name: "JsonMerge", args: &[Want::Any, Want::Any, Want::Boolean], rest: Rest::None, string: false },
    Function { name: "MathRandom", args: &[Want::Integer, Want::Integer], rest: Rest::Optional(Want::Integer), string: false },
    Function { name: "MathAdd", args: &[Want::Number, Want::Number], rest: Rest::None, string: false },
    Function { name: "StringSplit", args: &[Want::String, Want::String], rest: Rest::None, string: false },
    Function { name: "UUID", args: &[], rest: Rest::None, string: true },
];

/// The algorithms of `States.Hash`.
pub const HASH_ALGORITHMS: [&str; 5] = ["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"];

#[must_use]
pub fn function(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_parse_with_spans() {
        let text = "States.Format('{} of {}', $.count, States.ArrayLength($.items[*]))";
        let call = parse(text).unwrap();
        assert_eq!(call.name, "Format");
        assert_eq!(call.args.len(), 3);
        assert_eq!(&text[call.args[1].start..call.args[1].end], "$.count");
        let ArgKind::Call(inner) = &call.args[2].kind else { panic!("nested call") };
        assert_eq!(inner.name, "ArrayLength");
        assert_eq!(parse("States.UUID()").unwrap().args, vec![]);
        assert_eq!(parse("States.Array('it\\'s', 1, -2.5, true, null)").unwrap().args.len(), 5);
    }

    #[test]
    fn errors_point_at_the_character() {
        for (text, at) in [
            (" States.Array('Foo')", 0),
            ("States.Array('Foo'", 17),
            ("States.Format('x', $.a[)", 23),
            ("States.Array(foo)", 13),
            ("States.Array('a') x", 18),
            ("States.(1)", 7),
        ] {
            let err = parse(text).expect_err(text);
            assert_eq!(err.start, at, "{text}: {err:?}");
        }
    }
}
