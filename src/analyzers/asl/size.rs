//! The size of a document as JSON, as Step Functions counts it: compact, each string with its
//! escapes. For the quota rules (`asl/definition-size`, `asl/payload-limit`).

use crate::parse::{Node, Value};

/// Characters of `node` written as compact JSON, counted up to `limit` (a count above it stops
/// there: only whether the quota is passed matters).
#[must_use]
pub fn json_chars(node: &Node, limit: usize) -> usize {
    let mut total = 0usize;
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if total > limit {
            break;
        }
        total += match &node.value {
            Value::Null => 4,
            Value::Bool(b) => {
                if *b {
                    4
                } else {
                    5
                }
            }
            Value::Number(n) => format!("{n}").len(),
            Value::String(s) => string_chars(s),
            Value::Array(items) => {
                stack.extend(items.iter());
                2 + items.len().saturating_sub(1)
            }
            Value::Object(entries) => {
                stack.extend(entries.iter().map(|e| &e.value));
                2 + entries.len().saturating_sub(1) + entries.iter().map(|e| string_chars(&e.key) + 1).sum::<usize>()
            }
            // A YAML tag (`!GetAtt x.Arn`): what CloudFormation puts there is a string.
            Value::Tagged(..) => 2,
        };
    }
    total
}

fn string_chars(text: &str) -> usize {
    2 + text
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if (c as u32) < 0x20 => 6,
            _ => 1,
        })
        .sum::<usize>()
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_compact_json() {
        let text = r#"{ "a" : [1, "x\"y", true, null],  "b": {} }"#;
        let (node, _) = crate::parse::json::parse(text, 0, crate::parse::json::Options::default()).unwrap();
        assert_eq!(super::json_chars(&node, usize::MAX), r#"{"a":[1,"x\"y",true,null],"b":{}}"#.len());
    }
}
