//! JSONata expressions (the text between `{%` and `%}`): a syntax check that follows the
//! tokenizer and operator precedences of the reference implementation (jsonata-js 2.0, the
//! version Step Functions runs), and the variable references an expression makes. Nothing is
//! evaluated.

/// A place in the expression (byte offsets) with what is wrong there.
pub type Error = super::jsonpath::Error;

/// A `$name` the expression reads, with the field it reads of it (`$states.result` gives
/// `states` and `result`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub field: Option<String>,
    pub start: usize,
    pub end: usize,
}

/// Parses an expression: its variables, or the first syntax error.
pub fn parse(text: &str) -> Result<Vec<Variable>, Error> {
    let tokens = tokenize(text)?;
    let mut parser = Parser { text, tokens: &tokens, pos: 0, depth: 0 };
    if tokens.is_empty() {
        return Err(Error { start: 0, end: text.len(), message: "the expression is empty".into() });
    }
    parser.expression(0)?;
    if let Some(token) = parser.tokens.get(parser.pos) {
        return Err(parser.error_at(token, format!("unexpected `{}`", token.text(text))));
    }
    let mut variables = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if token.kind == Kind::Variable {
            let field = match (tokens.get(i + 1), tokens.get(i + 2)) {
                (Some(dot), Some(name)) if dot.is_op(text, ".") && name.kind == Kind::Name => {
                    Some(name.text(text).trim_matches('`').to_string())
                }
                _ => None,
            };
            variables.push(Variable { name: token.text(text)[1..].to_string(), field, start: token.start, end: token.end });
        }
    }
    Ok(variables)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Number,
    String,
    Name,
    Variable,
    Regex,
    Operator,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

impl Token {
    fn text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.end]
    }

    fn is_op(&self, text: &str, op: &str) -> bool {
        self.kind == Kind::Operator && self.text(text) == op
    }
}

const OPERATORS: [&str; 36] = [
    "..", ":=", "!=", "<=", ">=", "~>", "**", "?:", "??", ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-", "*",
    "/", "%", "|", "=", "<", ">", "^", "&", "!", "~", "λ",
];

/// Characters that end a name.
fn ends_name(c: char) -> bool {
    c.is_whitespace() || ".[]{}(),@#;:?+-*/%|=<>^&!~\"'`".contains(c)
}

fn tokenize(text: &str) -> Result<Vec<Token>, Error> {
    let mut tokens: Vec<Token> = Vec::new();
    let bytes = text.as_bytes();
    let mut pos = 0;
    let err = |start: usize, end: usize, message: &str| Error { start, end: end.min(text.len()).max(start), message: message.into() };
    while pos < text.len() {
        let c = text[pos..].chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            pos += c.len_utf8();
            continue;
        }
        let start = pos;
        if text[pos..].starts_with("/*") {
            match text[pos + 2..].find("*/") {
                Some(end) => pos += end + 4,
                None => return Err(err(start, start + 2, "this comment is not closed with `*/`")),
            }
            continue;
        }
        // A `/` where an operand is expected starts a regular expression.
        let operand_expected = tokens.last().is_none_or(|t| t.kind == Kind::Operator && !matches!(t.text(text), ")" | "]" | "}"));
        if c == '/' && operand_expected {
            let mut i = pos + 1;
            loop {
                match bytes.get(i) {
                    None => return Err(err(start, start + 1, "this regular expression is not closed with `/`")),
                    Some(b'\\') => i += 2,
                    Some(b'/') if i > pos + 1 => break,
                    Some(b'/') => return Err(err(start, start + 2, "empty regular expression")),
                    Some(_) => i += 1,
                }
            }
            i += 1;
            while bytes.get(i).is_some_and(|b| *b == b'i' || *b == b'm') {
                i += 1;
            }
            tokens.push(Token { kind: Kind::Regex, start, end: i });
            pos = i;
            continue;
        }
        if c == '"' || c == '\'' {
            let mut i = pos + 1;
            loop {
                match text[i..].chars().next() {
                    None => return Err(err(start, start + 1, "this string is not closed")),
                    Some('\\') => {
                        let escaped = text[i + 1..].chars().next();
                        match escaped {
                            Some('"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't' | '\'') => i += 2,
                            Some('u') if text.get(i + 2..i + 6).is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit())) => i += 6,
                            _ => return Err(err(i, i + 2, "unsupported escape sequence")),
                        }
                    }
                    Some(q) if q == c => break,
                    Some(other) => i += other.len_utf8(),
                }
            }
            tokens.push(Token { kind: Kind::String, start, end: i + 1 });
            pos = i + 1;
            continue;
        }
        if c.is_ascii_digit() {
            let mut i = pos;
            let digits = |i: &mut usize| {
                let from = *i;
                while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
                    *i += 1;
                }
                *i > from
            };
            if bytes[i] == b'0' {
                i += 1;
            } else {
                digits(&mut i);
            }
            // `1..5` is a range, not a fraction.
            if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                i += 1;
                digits(&mut i);
            }
            if bytes.get(i).is_some_and(|b| *b == b'e' || *b == b'E') {
                let mark = i;
                i += 1;
                if bytes.get(i).is_some_and(|b| *b == b'+' || *b == b'-') {
                    i += 1;
                }
                if !digits(&mut i) {
                    i = mark;
                }
            }
            tokens.push(Token { kind: Kind::Number, start, end: i });
            pos = i;
            continue;
        }
        if c == '`' {
            match text[pos + 1..].find('`') {
                Some(end) => {
                    tokens.push(Token { kind: Kind::Name, start, end: pos + end + 2 });
                    pos += end + 2;
                }
                None => return Err(err(start, start + 1, "this quoted name is not closed with a backtick")),
            }
            continue;
        }
        if let Some(op) = OPERATORS.iter().find(|op| text[pos..].starts_with(**op)) {
            tokens.push(Token { kind: Kind::Operator, start, end: pos + op.len() });
            pos += op.len();
            continue;
        }
        let variable = c == '$';
        let mut i = pos + usize::from(variable);
        if variable && bytes.get(i) == Some(&b'$') {
            i += 1;
        } else {
            for ch in text[i..].chars() {
                if ends_name(ch) || ch == '$' {
                    break;
                }
                i += ch.len_utf8();
            }
        }
        if i == pos {
            return Err(err(start, start + c.len_utf8(), "unexpected character"));
        }
        let word = &text[start..i];
        let kind = if variable {
            Kind::Variable
        } else if matches!(word, "and" | "or" | "in") {
            Kind::Operator
        } else {
            Kind::Name
        };
        tokens.push(Token { kind, start, end: i });
        pos = i;
    }
    Ok(tokens)
}

/// Expressions nested deeper than this are refused (recursion bound).
const MAX_DEPTH: usize = 128;

struct Parser<'t> {
    text: &'t str,
    tokens: &'t [Token],
    pos: usize,
    depth: usize,
}

/// Left binding powers of infix operators (jsonata-js `symbol` table).
fn infix_power(op: &str) -> Option<u8> {
    Some(match op {
        "." => 75,
        "[" | "(" | "@" | "#" => 80,
        "{" => 70,
        "*" | "/" | "%" | "**" => 60,
        "+" | "-" | "&" => 50,
        "=" | "<" | ">" | "!=" | "<=" | ">=" | "~>" | "in" | "?:" | "??" | "^" => 40,
        "and" => 30,
        "or" => 25,
        "?" | ".." => 20,
        ":=" => 10,
        _ => return None,
    })
}

impl Parser<'_> {
    #[allow(clippy::unused_self)]
    fn error_at(&self, token: &Token, message: String) -> Error {
        Error { start: token.start, end: token.end, message }
    }

    fn end_error(&self, message: &str) -> Error {
        let trimmed = self.text.trim_end();
        let last = trimmed.char_indices().last().map_or(0, |(i, _)| i);
        Error {
            start: last,
            end: trimmed.len().max(last + 1).min(self.text.len()),
            message: format!("the expression ends where {message}"),
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_op(&self, op: &str) -> bool {
        self.peek().is_some_and(|t| t.is_op(self.text, op))
    }

    fn expect(&mut self, op: &str, what: &str) -> Result<(), Error> {
        match self.peek() {
            Some(t) if t.is_op(self.text, op) => {
                self.pos += 1;
                Ok(())
            }
            Some(t) => Err(self.error_at(t, format!("expected `{op}` {what}, found `{}`", t.text(self.text)))),
            None => Err(self.end_error(&format!("`{op}` {what} is expected"))),
        }
    }

    fn expression(&mut self, rbp: u8) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let at = self.peek().copied().unwrap_or(Token { kind: Kind::Operator, start: 0, end: 1 });
            return Err(self.error_at(&at, format!("the expression nests deeper than {MAX_DEPTH} levels")));
        }
        self.prefix()?;
        while let Some(token) = self.peek().copied() {
            let op = token.text(self.text);
            let Some(lbp) = (token.kind == Kind::Operator).then(|| infix_power(op)).flatten() else { break };
            if lbp <= rbp {
                break;
            }
            self.pos += 1;
            self.infix(op)?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn prefix(&mut self) -> Result<(), Error> {
        let Some(token) = self.peek().copied() else { return Err(self.end_error("a value is expected")) };
        self.pos += 1;
        let text = token.text(self.text);
        match token.kind {
            Kind::Number | Kind::String | Kind::Name | Kind::Variable | Kind::Regex => {
                if matches!(text, "function") && self.peek_op("(") {
                    return self.lambda();
                }
                Ok(())
            }
            Kind::Operator => match text {
                "-" => self.expression(70),
                // Wildcards and the parent operator; words that are operators read as names
                // where a value is expected.
                "*" | "**" | "%" | "and" | "or" | "in" => Ok(()),
                "λ" => self.lambda(),
                "(" => {
                    while !self.peek_op(")") {
                        self.expression(0)?;
                        if !self.peek_op(";") {
                            break;
                        }
                        self.pos += 1;
                    }
                    self.expect(")", "to close the `(`")
                }
                "[" => {
                    self.list("]", "to close the `[`")?;
                    Ok(())
                }
                "{" => self.object(),
                "|" => {
                    self.expression(0)?;
                    self.expect("|", "in the transform `| … | … |`")?;
                    self.expression(0)?;
                    if self.peek_op(",") {
                        self.pos += 1;
                        self.expression(0)?;
                    }
                    self.expect("|", "to close the transform")
                }
                _ => Err(self.error_at(&token, format!("`{text}` cannot start an expression"))),
            },
        }
    }

    /// Items separated by `,` up to `close` (which may come at once).
    fn list(&mut self, close: &str, what: &str) -> Result<(), Error> {
        if self.peek_op(close) {
            self.pos += 1;
            return Ok(());
        }
        loop {
            // A `?` stands for a missing argument of a partial application.
            if close == ")" && self.peek_op("?") {
                self.pos += 1;
            } else {
                self.expression(0)?;
            }
            if self.peek_op(",") {
                self.pos += 1;
                continue;
            }
            return self.expect(close, what);
        }
    }

    fn object(&mut self) -> Result<(), Error> {
        if self.peek_op("}") {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.expression(0)?;
            self.expect(":", "between a key and its value")?;
            self.expression(0)?;
            if self.peek_op(",") {
                self.pos += 1;
                continue;
            }
            return self.expect("}", "to close the `{`");
        }
    }

    /// `function($a, $b) { body }`, with an optional `<signature>`.
    fn lambda(&mut self) -> Result<(), Error> {
        self.expect("(", "after `function`")?;
        if !self.peek_op(")") {
            loop {
                match self.peek().copied() {
                    Some(t) if t.kind == Kind::Variable => self.pos += 1,
                    Some(t) => return Err(self.error_at(&t, "a function's parameters are `$names`".into())),
                    None => return Err(self.end_error("a parameter is expected")),
                }
                if self.peek_op(",") {
                    self.pos += 1;
                    continue;
                }
                break;
            }
        }
        self.expect(")", "after the parameters")?;
        if self.peek_op("<") {
            // A signature: skipped to its closing `>`, nesting counted.
            let mut depth = 0;
            while let Some(t) = self.peek().copied() {
                self.pos += 1;
                match t.text(self.text) {
                    "<" => depth += 1,
                    ">" => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
        self.expect("{", "to open the function's body")?;
        self.expression(0)?;
        self.expect("}", "to close the function's body")
    }

    fn infix(&mut self, op: &str) -> Result<(), Error> {
        match op {
            "(" => self.list(")", "to close the function call"),
            "[" => {
                if self.peek_op("]") {
                    self.pos += 1;
                    return Ok(());
                }
                self.expression(0)?;
                self.expect("]", "to close the `[`")
            }
            "{" => self.object(),
            "?" => {
                self.expression(0)?;
                if self.peek_op(":") {
                    self.pos += 1;
                    self.expression(0)?;
                }
                Ok(())
            }
            "^" => {
                self.expect("(", "after `^` (order-by)")?;
                loop {
                    if self.peek_op("<") || self.peek_op(">") {
                        self.pos += 1;
                    }
                    self.expression(0)?;
                    if self.peek_op(",") {
                        self.pos += 1;
                        continue;
                    }
                    return self.expect(")", "to close the order-by");
                }
            }
            "@" | "#" => match self.peek().copied() {
                Some(t) if t.kind == Kind::Variable => {
                    self.pos += 1;
                    Ok(())
                }
                Some(t) => Err(self.error_at(&t, format!("`{op}` binds a `$variable`"))),
                None => Err(self.end_error("a `$variable` is expected")),
            },
            // Right associative.
            ":=" => self.expression(9),
            _ => self.expression(infix_power(op).unwrap_or(0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_that_parse() {
        for text in [
            "$states.input",
            "$states.input.items[price > 10].name",
            "$sum($states.input.items.(price * quantity))",
            "$states.input.a ? 'yes' : 'no'",
            "{'total': $count($x), \"n\": 1}",
            "[1..5]",
            "[1, 2, 3][$ > 1]",
            "$x.$uppercase()",
            "($a := 1; $b := $a + 1; $b)",
            "function($v) { $v * 2 }",
            "λ($v) { $v }",
            "$map($states.input, function($v, $i) { $v & $i })",
            "Account.Order^(>Price, Product)",
            "Product.(Price * Quantity) ~> $sum()",
            "$states.input.`weird name`",
            "/[a-z]+/i",
            "$contains($s, /ab+c/)",
            "$x ?: 'default'",
            "$x ?? 'default'",
            "library.books#$i[$i < 2]",
            "items@$item",
            "-5 + 3.25e2",
            "$not(true) and false or null in [null]",
            "$states.context.Execution.Id",
            "$f(?, 2)",
            "/* comment */ 1",
            "| $ | {'a': 1} |",
            "**.price",
            "$$.x",
            "$",
        ] {
            parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        }
    }

    #[test]
    fn errors_point_at_the_token() {
        for (text, at) in [
            ("10 + * 2", 7),
            ("$.store.book[?(@.price < 10)].title", 13),
            ("$sum($states.input.items.numbers", 31),
            ("420.", 3),
            ("$states.input +", 14),
            ("'unclosed", 0),
            ("[1, 2", 4),
            ("{'a' 1}", 5),
            ("", 0),
        ] {
            let err = parse(text).expect_err(text);
            assert_eq!(err.start, at, "{text}: {err:?}");
        }
    }

    #[test]
    fn variables_with_their_fields() {
        let vars = parse("$states.result.Payload & $count & $states.`input`").unwrap();
        let names: Vec<(&str, Option<&str>)> = vars.iter().map(|v| (v.name.as_str(), v.field.as_deref())).collect();
        assert_eq!(names, [("states", Some("result")), ("count", None), ("states", Some("input"))]);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "(".repeat(10_000);
        assert!(parse(&text).is_err());
    }
}
