//! Property tests for the parsers and span mapping.
//!
//! - The JSON parser agrees with serde_json (the oracle) on documents serde_json writes, and on
//!   mutations of them: both accept or both reject.
//! - Neither parser panics on arbitrary input.
//! - A JSON document embedded in a string (JSON string, YAML literal block, double- and
//!   single-quoted YAML, `Fn::Join` pieces) parses to the same tree as the document itself, and
//!   every node's mapped span in the outer file is that node's text, encoded the outer way.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use deploylint::parse::embedded::EmbeddedText;
use deploylint::parse::{Node, Value, json, yaml};
use proptest::prelude::*;
use serde_json::Value as J;

fn arb_json() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        any::<i32>().prop_map(J::from),
        (-1.0e12f64..1.0e12).prop_map(|f| serde_json::Number::from_f64(f).map_or(J::Null, J::Number)),
        "[a-zA-Z0-9 \"\\\\/:{}\\[\\],é🚀\t\n'$#-]{0,12}".prop_map(J::String),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(J::Array),
            prop::collection::vec(("[a-zA-Z\"é:$ ]{0,8}", inner), 0..5).prop_map(|entries| J::Object(entries.into_iter().collect())),
        ]
    })
}

fn to_serde(node: &Node) -> J {
    match &node.value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => serde_json::Number::from_f64(*n).map_or(J::Null, J::Number),
        Value::String(s) => J::String(s.to_string()),
        Value::Array(items) => J::Array(items.iter().map(to_serde).collect()),
        Value::Object(_) => J::Object(node.unique_entries().map(|e| (e.key.to_string(), to_serde(&e.value))).collect()),
        Value::Tagged(_, inner) => to_serde(inner),
    }
}

/// Numbers compared as f64, as both parsers store them.
fn normalise(v: &J) -> J {
    match v {
        J::Number(n) => n.as_f64().and_then(serde_json::Number::from_f64).map_or(J::Null, J::Number),
        J::Array(items) => J::Array(items.iter().map(normalise).collect()),
        J::Object(map) => J::Object(map.iter().map(|(k, v)| (k.clone(), normalise(v))).collect()),
        other => other.clone(),
    }
}

/// A node parsed directly, the same node parsed through an embedding, and their key spans.
type Pair<'a> = (&'a Node, &'a Node, Option<(deploylint::source::Span, deploylint::source::Span)>);

/// Pairs of (node parsed directly, node parsed through the embedding), in the same order.
fn walk_pairs<'a>(a: &'a Node, b: &'a Node, out: &mut Vec<Pair<'a>>) {
    out.push((a, b, None));
    match (&a.value, &b.value) {
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                walk_pairs(p, q, out);
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            for (p, q) in x.iter().zip(y) {
                out.push((&p.value, &q.value, Some((p.key_span, q.key_span))));
                walk_pairs(&p.value, &q.value, out);
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone, Copy)]
enum Embedding {
    JsonString,
    YamlLiteral,
    YamlDoubleQuoted,
    YamlSingleQuoted,
}

/// Builds the outer file and gives the node holding the embedded string.
fn embed(inner: &str, how: Embedding) -> String {
    match how {
        Embedding::JsonString => format!("{{\"D\": {}}}", serde_json::to_string(inner).unwrap()),
        Embedding::YamlLiteral => {
            let body: Vec<String> = inner.lines().map(|l| format!("    {l}")).collect();
            format!("X:\n  D: |\n{}\n", body.join("\n"))
        }
        Embedding::YamlDoubleQuoted => format!("D: {}\n", serde_json::to_string(inner).unwrap()),
        Embedding::YamlSingleQuoted => format!("D: '{}'\n", inner.replace('\'', "''")),
    }
}

fn decode_outer(slice: &str, how: Embedding) -> String {
    match how {
        Embedding::JsonString | Embedding::YamlDoubleQuoted => {
            serde_json::from_str(&format!("\"{slice}\"")).unwrap_or_else(|_| format!("<undecodable {slice:?}>"))
        }
        Embedding::YamlLiteral => slice.replace("\n    ", "\n"),
        Embedding::YamlSingleQuoted => slice.replace("''", "'"),
    }
}

fn embedded_node(outer: &str, how: Embedding) -> Node {
    let doc = match how {
        Embedding::JsonString => json::parse(outer, 0, json::Options::default()).unwrap().0,
        _ => yaml::parse(outer).unwrap().documents.remove(0),
    };
    match how {
        Embedding::YamlLiteral => doc.get("X").unwrap().get("D").unwrap().clone(),
        _ => doc.get("D").unwrap().clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn json_agrees_with_serde_json(value in arb_json(), pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_string_pretty(&value).unwrap() } else { serde_json::to_string(&value).unwrap() };
        let (node, dups) = json::parse(&text, 0, json::Options::default()).expect("serde_json output parses");
        prop_assert!(dups.is_empty());
        prop_assert_eq!(normalise(&to_serde(&node)), normalise(&value));
    }

    #[test]
    fn json_accepts_exactly_what_serde_json_accepts(value in arb_json(), edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(vec!["", "{", "}", "[", "]", ",", ":", "\"", "\\", "1", "-", "e", "n", " ", "\\u12", "tru"])), 1..4)) {
        let mut text = serde_json::to_string(&value).unwrap();
        for (at, insert) in edits {
            let mut pos = at.index(text.len() + 1);
            while !text.is_char_boundary(pos) { pos -= 1; }
            // Replace one character or insert.
            let end = text[pos..].chars().next().map_or(pos, |c| pos + c.len_utf8());
            text.replace_range(pos..if insert.is_empty() { end } else { pos }, insert);
        }
        let ours = json::parse(&text, 0, json::Options::default());
        let theirs = serde_json::from_str::<J>(&text);
        let lone_surrogate = text.contains("\\uD8") || text.contains("\\uDC") || text.contains("\\ud8") || text.contains("\\udc");
        // Numbers beyond f64 are valid JSON; serde_json refuses them, we read them as infinity.
        let out_of_range = theirs.as_ref().is_err_and(|e| e.to_string().contains("out of range"));
        if !lone_surrogate && !out_of_range {
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "text: {:?}", text);
        }
        if let Err(err) = ours {
            prop_assert!(err.span.start() <= text.len());
        }
    }

    #[test]
    fn parsers_never_panic(text in "[ -~\n\t\u{e9}\u{feff}]{0,200}") {
        let _ = json::parse(&text, 0, json::Options { placeholders: true });
        let _ = yaml::parse(&text);
    }

    #[test]
    fn yaml_never_panics_on_yaml_like_input(parts in prop::collection::vec(prop::sample::select(vec![
        "a: ", "- ", "  ", "\n", "!Ref ", "!Sub |\n", "&x ", "*x", "[", "]", "{", "}", ", ", "'q'", "\"d\\n\"", "# c\n", "---\n", "? ", ">-\n", "|+\n", "é", "\t",
    ]), 0..40)) {
        let text: String = parts.concat();
        let _ = yaml::parse(&text);
    }

    #[test]
    fn embedded_spans_map_to_the_same_text(value in arb_json(), pretty in any::<bool>(), how in prop::sample::select(vec![
        Embedding::JsonString, Embedding::YamlLiteral, Embedding::YamlDoubleQuoted, Embedding::YamlSingleQuoted,
    ])) {
        let pretty = pretty && matches!(how, Embedding::JsonString | Embedding::YamlLiteral);
        let inner = if pretty { serde_json::to_string_pretty(&value).unwrap() } else { serde_json::to_string(&value).unwrap() };
        let outer = embed(&inner, how);
        let holder = embedded_node(&outer, how);
        prop_assert_eq!(holder.as_str().map(str::trim_end), Some(inner.as_str()), "outer: {:?}", outer);
        let mut text = EmbeddedText::default();
        text.push_string_node(&outer, &holder);
        let (mapped, _) = text.parse_json(json::Options::default()).expect("embedded document parses");
        let (direct, _) = json::parse(&inner, 0, json::Options::default()).unwrap();
        let mut pairs = Vec::new();
        walk_pairs(&direct, &mapped, &mut pairs);
        for (d, m, keys) in pairs {
            let want = &inner[d.span.start()..d.span.end()];
            let got = decode_outer(&outer[m.span.start()..m.span.end()], how);
            prop_assert_eq!(&got, want, "{:?} in {:?}", how, outer);
            if let Some((dk, mk)) = keys {
                let got = decode_outer(&outer[mk.start()..mk.end()], how);
                prop_assert_eq!(&got, &inner[dk.start()..dk.end()]);
            }
        }
    }

    #[test]
    fn join_pieces_map_each_node_to_its_first_character(value in arb_json(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4)) {
        let inner = serde_json::to_string(&value).unwrap();
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(inner.len() + 1)).filter(|p| inner.is_char_boundary(*p)).collect();
        points.sort_unstable();
        points.dedup();
        let mut pieces = Vec::new();
        let mut last = 0;
        for p in points.into_iter().chain([inner.len()]) {
            pieces.push(serde_json::to_string(&inner[last..p]).unwrap());
            last = p;
        }
        let outer = format!("{{\"D\": {{\"Fn::Join\": [\"\", [{}]]}}}}", pieces.join(", "));
        let (doc, _) = json::parse(&outer, 0, json::Options::default()).unwrap();
        let items = doc.get("D").unwrap().get("Fn::Join").unwrap().as_array().unwrap()[1].as_array().unwrap().to_vec();
        let mut text = EmbeddedText::default();
        for piece in &items {
            text.push_string_node(&outer, piece);
        }
        let (mapped, _) = text.parse_json(json::Options::default()).unwrap();
        let (direct, _) = json::parse(&inner, 0, json::Options::default()).unwrap();
        let mut pairs = Vec::new();
        walk_pairs(&direct, &mapped, &mut pairs);
        for (d, m, _) in pairs {
            let want = inner[d.span.start()..].chars().next().unwrap();
            let at = m.span.start();
            let got = if outer.as_bytes()[at] == b'\\' { json::decode_escape(&outer, at).unwrap().0 } else { outer[at..].chars().next().unwrap() };
            prop_assert_eq!(got, want, "{}", outer);
        }
    }
}

/// A JSON text as an HCL quoted string: `\"`, `\\`, `\n`, `\t`, and `$${`/`%%{` for `${`/`%{`.
fn hcl_quoted(inner: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Decodes the source text of a span of an HCL quoted string back to the JSON text it stands for.
fn hcl_unquote(slice: &str) -> String {
    let mut out = String::new();
    let mut chars = slice.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            },
            c => out.push(c),
        }
    }
    out.replace("$${", "${").replace("%%{", "%{")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A JSON document written as an HCL quoted string or an indented heredoc renders to the
    /// same document, and every node's mapped span is that node's text, written the HCL way.
    #[test]
    fn hcl_strings_and_heredocs_map_to_the_same_text(value in arb_json(), heredoc in any::<bool>()) {
        use deploylint::parse::hcl;
        let inner = serde_json::to_string_pretty(&value).unwrap();
        // A heredoc line that is its delimiter ends it; a JSON line never is `EOT`.
        let file = if heredoc {
            let body: String = inner.lines().flat_map(|l| ["    ".to_string(), l.replace("${", "$${").replace("%{", "%%{"), "\n".to_string()]).collect();
            format!("a = <<-EOT\n{body}  EOT\n")
        } else {
            format!("a = {}\n", hcl_quoted(&inner))
        };
        let (body, _) = hcl::parse_body(&file).unwrap();
        let hcl::Structure::Attribute(attribute) = body.iter().next().unwrap() else { panic!("an attribute") };
        let mut text = EmbeddedText::new(hcl::span_of(&attribute.value));
        let mut directives = Vec::new();
        match &attribute.value {
            hcl::Expression::String(s) => hcl::push_string(&file, s.value(), hcl::span_of(&attribute.value), &mut text),
            hcl::Expression::StringTemplate(t) => hcl::render(&file, t, true, &mut |_| None, &mut text, &mut directives),
            hcl::Expression::HeredocTemplate(h) => hcl::render(&file, &h.template, false, &mut |_| None, &mut text, &mut directives),
            other => panic!("not a string: {other:?}"),
        }
        prop_assert!(directives.is_empty());
        let (mapped, _) = text.parse_json(json::Options::default()).expect("the rendered document parses");
        let (direct, _) = json::parse(&inner, 0, json::Options::default()).unwrap();
        prop_assert_eq!(normalise(&to_serde(&mapped)), normalise(&to_serde(&direct)));
        let mut pairs = Vec::new();
        walk_pairs(&direct, &mapped, &mut pairs);
        for (d, m, _) in pairs {
            let want = &inner[d.span.start()..d.span.end()];
            let slice = &file[m.span.start()..m.span.end()];
            let got = if heredoc { slice.replace("$${", "${").replace("%%{", "%{").replace("\n    ", "\n") } else { hcl_unquote(slice) };
            prop_assert_eq!(&got, want, "in {:?}", file);
        }
    }

    /// Terraform configuration and template text, however broken, never panics the pipeline.
    #[test]
    fn terraform_files_never_panic(parts in prop::collection::vec(prop::sample::select(vec![
        "resource \"aws_iam_policy\" \"p\" {\n", "data \"aws_iam_policy_document\" \"d\" {\n", "statement {\n", "dynamic \"statement\" {\n",
        "content {\n", "}\n", "policy = ", "definition = ", "actions = [\"s3:*\"]\n", "for_each = var.x\n", "locals {\n", "a = local.a\n",
        "jsonencode({", "})", "<<-EOT\n{\"Statement\": []}\nEOT\n", "\"{\\\"a\\\": 1}\"", "${", "%{ if x }", "%{ endif }", "templatefile(\"x.tftpl\", {})",
        "file(\"/etc/passwd\")", "[", "]", "(", ")", "=", "\"", "\n", " ", "é", "\u{feff}", "# c\n", "// d\n", "/* e */", "var.", "local.",
    ]), 0..40), template in any::<bool>()) {
        use deploylint::pipeline::{RunContext, check_bytes};
        use deploylint::registry::Registry;
        let text: String = parts.concat();
        let registry = Registry::load(&[] as &[std::path::PathBuf]).unwrap();
        let active: std::collections::HashMap<String, _> = registry.rules.iter().map(|r| (r.meta.id.clone(), r.meta.severity)).collect();
        let roots = vec![std::path::PathBuf::from("tests/fixtures/terraform-hcl")];
        let ctx = RunContext::new(&registry, &active, &roots);
        let name = if template { "tests/fixtures/terraform-hcl/none/x.json.tftpl" } else { "tests/fixtures/terraform-hcl/none/main.tf" };
        let outcome = check_bytes(name.into(), text.into_bytes(), true, &ctx);
        for finding in &outcome.findings {
            prop_assert!(finding.span.end() <= finding.source.text.len());
        }
    }
}

mod symbolic {
    use deploylint::model::symbolic::{Piece, Symbolic, Tri, covers};
    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = Piece> {
        prop_oneof![
            "[a-z0-9:/*?-]{0,12}".prop_map(Piece::Text),
            prop_oneof![Just("Region"), Just("AccountId"), Just("Partition")].prop_map(|p| Piece::Pseudo(p.to_string())),
            "[A-Z][a-z]{0,4}".prop_map(Piece::Name),
            "[A-Z][a-z]{0,4}".prop_map(Piece::Opaque),
        ]
    }

    fn symbolic() -> impl Strategy<Value = Symbolic> {
        proptest::collection::vec(piece(), 0..6).prop_map(|pieces| {
            let mut out = Symbolic { pieces: Vec::new(), shown: None };
            for p in pieces {
                out.push(p);
            }
            out
        })
    }

    proptest! {
        /// Any value covers itself unless an unknown is in it; `*` covers everything; the
        /// comparison never panics and is bounded.
        #[test]
        fn covers_is_reflexive_and_star_covers_all(value in symbolic()) {
            let result = covers(&value, &value);
            if value.has_opaque() {
                prop_assert!(result >= Tri::Maybe);
            } else {
                prop_assert_eq!(result, Tri::Yes);
            }
            prop_assert_eq!(covers(&Symbolic::any(), &value), Tri::Yes);
        }

        /// Between plain texts, the answer is IAM's wildcard match, never "maybe".
        #[test]
        fn plain_texts_match_as_iam_does(grant in "[a-c*?]{0,8}", need in "[a-c]{0,8}") {
            let expected = if glob(&grant, &need) { Tri::Yes } else { Tri::No };
            prop_assert_eq!(covers(&Symbolic::text(grant), &Symbolic::text(need)), expected);
        }
    }

    /// A case-sensitive reference matcher: `*` any run, `?` one character.
    fn glob(pattern: &str, text: &str) -> bool {
        match (pattern.chars().next(), text.chars().next()) {
            (None, None) => true,
            (Some('*'), _) => glob(&pattern[1..], text) || (!text.is_empty() && glob(pattern, &text[1..])),
            (Some('?'), Some(_)) => glob(&pattern[1..], &text[1..]),
            (Some(p), Some(t)) if p == t => glob(&pattern[1..], &text[1..]),
            _ => false,
        }
    }
}
