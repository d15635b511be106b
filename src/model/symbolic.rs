//! Symbolic ARNs: what a value names once the file's references are followed, with the parts
//! known only at deploy time kept as tokens (`${AWS::Region}`, the generated name of a resource
//! of the file, a parameter). Both sides of a permission check are symbolic: the resource a
//! Task needs (`!GetAtt Shipping.Arn`) and the resource a statement grants
//! (`!Sub arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${Shipping}*`);
//! [`covers`] compares them, answering yes, no, or cannot tell.

/// A part of an ARN known only at deploy time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Text as written (in a grant, with IAM's `*` and `?`).
    Text(String),
    /// A pseudo parameter: `Partition`, `Region`, `AccountId`, `URLSuffix`, `StackName`. Two
    /// of the same kind are the same value; against text, it is assumed to be that text (a
    /// template deployed to the account and region its literals name).
    Pseudo(String),
    /// The physical name (or id) of a resource of the file, generated at deploy time: the same
    /// resource's name matches, another resource's does not.
    Name(String),
    /// Anything else known only at deploy time (a parameter, an import, a value of another
    /// stack): it may be anything.
    Opaque(String),
}

/// A symbolic value: its pieces, and how the file spells it (for messages and generated
/// policies: `{"Fn::GetAtt": ["Shipping", "Arn"]}`, `${aws_lambda_function.x.arn}`).
#[derive(Clone, Debug, PartialEq)]
pub struct Symbolic {
    pub pieces: Vec<Piece>,
    pub shown: Option<serde_json::Value>,
}

/// The notation of the file a value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    CloudFormation,
    Terraform,
}

/// Yes, no, or cannot tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tri {
    No,
    Maybe,
    Yes,
}

impl Tri {
    #[must_use]
    pub fn and(self, other: Tri) -> Tri {
        self.min(other)
    }

    #[must_use]
    pub fn or(self, other: Tri) -> Tri {
        self.max(other)
    }
}

impl Symbolic {
    #[must_use]
    pub fn text(text: impl Into<String>) -> Self {
        Self { pieces: vec![Piece::Text(text.into())], shown: None }
    }

    #[must_use]
    pub fn any() -> Self {
        Self::text("*")
    }

    /// One unknown value, labelled (a parameter's name).
    #[must_use]
    pub fn opaque(label: impl Into<String>) -> Self {
        Self { pieces: vec![Piece::Opaque(label.into())], shown: None }
    }

    /// The value as plain text, when every piece is text.
    #[must_use]
    pub fn as_text(&self) -> Option<String> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                _ => return None,
            }
        }
        Some(out)
    }

    /// Whether some piece may be anything (a parameter, a run-time value).
    #[must_use]
    pub fn has_opaque(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Opaque(_)))
    }

    /// Appends text, merging with a text piece before it.
    pub fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        match self.pieces.last_mut() {
            Some(Piece::Text(last)) => last.push_str(text),
            _ => self.pieces.push(Piece::Text(text.to_string())),
        }
    }

    pub fn push(&mut self, piece: Piece) {
        match piece {
            Piece::Text(t) => self.push_text(&t),
            other => self.pieces.push(other),
        }
    }

    pub fn extend(&mut self, other: Symbolic) {
        for piece in other.pieces {
            self.push(piece);
        }
    }

    /// The value in CloudFormation's `${…}` notation: pseudo parameters as `${AWS::Region}`,
    /// names and unknowns as `${label}` (what messages show).
    #[must_use]
    pub fn render(&self) -> String {
        self.render_in(Dialect::CloudFormation)
    }

    /// The value as a string of `dialect` would write it: Terraform spells the partition,
    /// region and account through the provider's data sources.
    #[must_use]
    pub fn render_in(&self, dialect: Dialect) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Pseudo(p) if dialect == Dialect::Terraform => out.push_str(match p.as_str() {
                    "Partition" => "${data.aws_partition.current.partition}",
                    "Region" => "${data.aws_region.current.name}",
                    "AccountId" => "${data.aws_caller_identity.current.account_id}",
                    "URLSuffix" => "${data.aws_partition.current.dns_suffix}",
                    _ => "*",
                }),
                Piece::Pseudo(p) => out.push_str(&format!("${{AWS::{p}}}")),
                Piece::Name(label) | Piece::Opaque(label) => out.push_str(&format!("${{{label}}}")),
            }
        }
        out
    }
}

/// Bound on the tokens compared (a real ARN is a few dozen): above it the answer is `Maybe`.
const MAX_TOKENS: usize = 2048;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'s> {
    Char(u8),
    Star,
    Question,
    Pseudo(&'s str),
    Name(&'s str),
    Opaque,
}

fn tokens(value: &Symbolic, glob: bool) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    for piece in &value.pieces {
        match piece {
            Piece::Text(text) => out.extend(text.bytes().map(|b| match b {
                b'*' if glob => Token::Star,
                b'?' if glob => Token::Question,
                _ => Token::Char(b),
            })),
            Piece::Pseudo(p) => out.push(Token::Pseudo(p)),
            Piece::Name(n) => out.push(Token::Name(n)),
            Piece::Opaque(_) => out.push(Token::Opaque),
        }
    }
    out
}

/// The text after the last `:` of a value whose last piece is text (an ARN's resource name:
/// `function:Orders` gives `Orders`), when it has no IAM wildcard on the grant side. Where both
/// have one, [`covers`] answers yes only if they are equal ignoring ASCII case: a cheap test
/// before it, when one need is held against many grants.
#[must_use]
pub fn final_segment(value: &Symbolic, grant: bool) -> Option<&str> {
    let Some(Piece::Text(text)) = value.pieces.last() else { return None };
    let segment = &text[text.rfind(':')? + 1..];
    (!(grant && segment.contains(['*', '?']))).then_some(segment)
}

/// Whether the `grant` pattern (IAM wildcards in its text) covers the `need`ed value: `Yes`
/// when it certainly does (pseudo parameters assumed to be the account and region the text
/// names), `No` when it certainly does not, `Maybe` when a part known only at deploy time
/// decides.
#[must_use]
// The arms are tried in order: two that answer "no" are not one.
#[allow(clippy::match_same_arms)]
pub fn covers(grant: &Symbolic, need: &Symbolic) -> Tri {
    let g = tokens(grant, true);
    let n = tokens(need, false);
    if g.len() > MAX_TOKENS || n.len() > MAX_TOKENS {
        return Tri::Maybe;
    }
    // table[i][j]: grant[i..] against need[j..].
    let width = n.len() + 1;
    let mut table = vec![Tri::No; (g.len() + 1) * width];
    table[g.len() * width + n.len()] = Tri::Yes;
    for i in (0..=g.len()).rev() {
        for j in (0..=n.len()).rev() {
            if i == g.len() && j == n.len() {
                continue;
            }
            let at = |i: usize, j: usize| table[i * width + j];
            let value = if i == g.len() {
                Tri::No
            } else {
                match (g[i], n.get(j).copied()) {
                    (Token::Star, None) => at(i + 1, j),
                    (Token::Star, Some(_)) => at(i + 1, j).or(at(i, j + 1)),
                    // An unknown stands for any run of the other side, itself included.
                    (Token::Opaque, None) => Tri::Maybe.and(at(i + 1, j)),
                    (Token::Opaque, Some(_)) => Tri::Maybe.and(at(i + 1, j).or(at(i, j + 1)).or(at(i + 1, j + 1))),
                    (_, Some(Token::Opaque)) => Tri::Maybe.and(at(i, j + 1).or(at(i + 1, j)).or(at(i + 1, j + 1))),
                    (_, None) => Tri::No,
                    (Token::Question, Some(Token::Char(_))) => at(i + 1, j + 1),
                    (Token::Question, Some(_)) => Tri::Maybe.and(at(i + 1, j + 1)),
                    (Token::Char(a), Some(Token::Char(b))) => {
                        if a == b {
                            at(i + 1, j + 1)
                        } else {
                            Tri::No
                        }
                    }
                    // A token against text: it stands for one run of characters of it.
                    (Token::Char(_), Some(token)) => consume(&g, i, |k| at(k, j + 1), token_value(token)),
                    (token, Some(Token::Char(_))) => consume(&n, j, |k| at(i + 1, k), token_value(token)),
                    (Token::Pseudo(a), Some(Token::Pseudo(b))) if a == b => at(i + 1, j + 1),
                    (Token::Name(a), Some(Token::Name(b))) if a == b => at(i + 1, j + 1),
                    // Two different names, two different pseudo parameters.
                    (_, Some(_)) => Tri::No,
                }
            };
            table[i * width + j] = value;
        }
    }
    table[0]
}

/// How sure a match of this token against text is: a pseudo parameter is taken to be the
/// text; a generated name or an unknown may or may not be.
fn token_value(token: Token<'_>) -> Tri {
    match token {
        Token::Pseudo(_) => Tri::Yes,
        _ => Tri::Maybe,
    }
}

/// The best of a token standing for `text[from..k]` for every `k` (one or more characters, none
/// of them a `:` for a pseudo parameter, which never spans ARN fields), then `rest(k)`.
fn consume(text: &[Token<'_>], from: usize, rest: impl Fn(usize) -> Tri, sure: Tri) -> Tri {
    let mut best = Tri::No;
    let mut k = from;
    while k < text.len() {
        match text[k] {
            Token::Char(b':') if sure == Tri::Yes => break,
            Token::Char(_) => {}
            // A wildcard inside what the token stands for: the token may or may not cover it.
            _ => break,
        }
        k += 1;
        best = best.or(sure.and(rest(k)));
        if best == Tri::Yes {
            break;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(pieces: &[&str]) -> Symbolic {
        let mut out = Symbolic { pieces: Vec::new(), shown: None };
        for p in pieces {
            let piece = if let Some(p) = p.strip_prefix("P:") {
                Piece::Pseudo(p.into())
            } else if let Some(n) = p.strip_prefix("N:") {
                Piece::Name(n.into())
            } else if let Some(o) = p.strip_prefix("O:") {
                Piece::Opaque(o.into())
            } else {
                Piece::Text((*p).into())
            };
            out.push(piece);
        }
        out
    }

    /// `final_segment` is a necessary condition of a certain "covers": where the two differ,
    /// the full test never says yes (the lookup of a function among thousands relies on it).
    #[test]
    fn a_different_final_segment_never_covers() {
        let grants = [
            sym(&["arn:aws:lambda:us-east-1:123456789012:function:Orders"]),
            sym(&["arn:", "P:Partition", ":lambda:", "P:Region", ":", "P:AccountId", ":function:orders"]),
            sym(&["arn:aws:lambda:*:*:function:Ord"]),
            sym(&["arn:aws:lambda:us-east-1:", "O:acct", ":function:Orders-x"]),
            sym(&["arn:aws:lambda:us-east-1:123456789012:function:", "N:Fn"]),
            sym(&["*"]),
        ];
        let needs = [
            sym(&["arn:aws:lambda:us-east-1:123456789012:function:Orders"]),
            sym(&["arn:aws:lambda:us-east-1:123456789012:function:orders"]),
            sym(&["arn:aws:lambda:us-east-1:123456789012:function:Orders-x"]),
            sym(&["arn:aws:lambda:us-east-1:123456789012:function:Ord"]),
            sym(&["arn:aws:lambda:", "P:Region", ":", "P:AccountId", ":function:Orders"]),
        ];
        let mut yes = 0;
        for grant in &grants {
            for need in &needs {
                let covered = covers(grant, need) == Tri::Yes;
                yes += usize::from(covered);
                if let (Some(g), Some(n)) = (final_segment(grant, true), final_segment(need, false)) {
                    assert!(!covered || g.eq_ignore_ascii_case(n), "{grant:?} covers {need:?}");
                }
            }
        }
        assert!(yes >= 5, "{yes}");
    }

    #[test]
    fn literal_and_wildcard_grants() {
        let need = sym(&["arn:aws:lambda:us-east-1:123:function:Ship"]);
        assert_eq!(covers(&sym(&["*"]), &need), Tri::Yes);
        assert_eq!(covers(&sym(&["arn:aws:lambda:*:*:function:*"]), &need), Tri::Yes);
        assert_eq!(covers(&sym(&["arn:aws:lambda:*:*:function:Other"]), &need), Tri::No);
        assert_eq!(covers(&sym(&["arn:aws:lambda:us-east-1:123:function:Shi?"]), &need), Tri::Yes);
    }

    #[test]
    fn names_and_pseudo_parameters() {
        let need = sym(&["arn:", "P:Partition", ":lambda:", "P:Region", ":", "P:AccountId", ":function:", "N:Ship"]);
        let same = sym(&["arn:", "P:Partition", ":lambda:", "P:Region", ":", "P:AccountId", ":function:", "N:Ship", "*"]);
        let other = sym(&["arn:", "P:Partition", ":lambda:", "P:Region", ":", "P:AccountId", ":function:", "N:Bill"]);
        let literal = sym(&["arn:aws:lambda:us-east-1:123456789012:function:", "N:Ship"]);
        assert_eq!(covers(&same, &need), Tri::Yes);
        assert_eq!(covers(&other, &need), Tri::No);
        assert_eq!(covers(&literal, &need), Tri::Yes, "pseudo parameters are the literal's account and region");
        assert_eq!(covers(&sym(&["arn:aws:lambda:us-east-1:123:function:ship-fn"]), &need), Tri::Maybe);
        assert_eq!(covers(&sym(&["arn:aws:lambda:us-east-1:123:function:", "O:Param"]), &need), Tri::Maybe);
        assert_eq!(covers(&sym(&["arn:aws:sqs:*"]), &need), Tri::No, "another service is never a match");
        assert_eq!(covers(&sym(&["O:TableArn"]), &need), Tri::Maybe, "a parameter may be any ARN");
        assert_eq!(
            covers(&sym(&["arn:aws:lambda:*:*:function:", "O:Fn"]), &sym(&["arn:aws:lambda:x:1:function:", "O:Other", "-v2"])),
            Tri::Maybe
        );
    }

    #[test]
    fn huge_values_are_not_compared() {
        let long = "a".repeat(MAX_TOKENS + 1);
        assert_eq!(covers(&sym(&[&long]), &sym(&["a"])), Tri::Maybe);
    }
}
