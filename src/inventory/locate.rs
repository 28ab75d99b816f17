//! Maps a path inside the inventory (`host[1].spark.worker_cores`) back to a
//! byte span in the file, so validation errors can point at the exact value.
//!
//! serde's typed model forgets where values came from; rather than wrap every
//! field in `Spanned<T>`, we re-parse the text with `toml_edit` (which keeps
//! spans) only when an error needs a location.

use std::ops::Range;
use toml_edit::{ArrayOfTables, Document, Item, Table, Value};

/// One step in a path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl From<&str> for Seg {
    fn from(k: &str) -> Self {
        Seg::Key(k.to_string())
    }
}
impl From<String> for Seg {
    fn from(k: String) -> Self {
        Seg::Key(k)
    }
}
impl From<usize> for Seg {
    fn from(i: usize) -> Self {
        Seg::Index(i)
    }
}

/// Build a path: `path!["host", 0, "name"]`.
#[macro_export]
macro_rules! path {
    ($($seg:expr),* $(,)?) => { vec![$($crate::inventory::locate::Seg::from($seg)),*] };
}

/// Human form of a path, as written in messages: `host[1].spark.worker_cores`.
pub fn display(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{}]", i)),
        }
    }
    out
}

/// The span of the value at `path`, or of the deepest ancestor that exists.
/// Returns `None` only when nothing on the path exists (e.g. a missing table).
pub fn span_of(src: &str, path: &[Seg]) -> Option<Range<usize>> {
    let doc = Document::parse(src).ok()?;
    let mut node = Node::Table(doc.as_table());
    let mut best: Option<Range<usize>> = None;
    for seg in path {
        let (next, span) = match (seg, node) {
            (Seg::Key(k), Node::Table(t)) => match t.get_key_value(k) {
                // Point at the value for scalars, at the key (header) for tables.
                Some((key, Item::Value(v))) => (Some(Node::Value(v)), v.span().or(key.span())),
                Some((key, Item::Table(t))) => (Some(Node::Table(t)), key.span().or(t.span())),
                Some((key, Item::ArrayOfTables(a))) => (Some(Node::Tables(a)), key.span()),
                _ => (None, None),
            },
            (Seg::Key(k), Node::Value(Value::InlineTable(t))) => match t.get(k) {
                Some(v) => (Some(Node::Value(v)), v.span()),
                None => (None, None),
            },
            (Seg::Index(i), Node::Tables(a)) => match a.get(*i) {
                Some(t) => (Some(Node::Table(t)), t.span()),
                None => (None, None),
            },
            (Seg::Index(i), Node::Value(Value::Array(a))) => match a.get(*i) {
                Some(v) => (Some(Node::Value(v)), v.span()),
                None => (None, None),
            },
            _ => (None, None),
        };
        if span.is_some() {
            best = span;
        }
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    best
}

/// A borrowed position in the document while walking a path.
#[derive(Clone, Copy)]
enum Node<'a> {
    Table(&'a Table),
    Tables(&'a ArrayOfTables),
    Value(&'a Value),
}

#[cfg(test)]
#[allow(clippy::useless_vec)]
mod tests {
    use super::*;

    const SRC: &str = "[spark]\ntarball = \"x.tgz\"\n\n[[host]]\nname = \"a\"\n\n[[host]]\nname = \"b\"\nroles = [\"master\", \"wrker\"]\n[host.spark]\nworker_cores = 0\n";

    #[test]
    fn finds_nested_values() {
        let s = span_of(SRC, &path!["host", 1, "spark", "worker_cores"]).unwrap();
        assert_eq!(&SRC[s], "0");
        let s = span_of(SRC, &path!["host", 1, "roles", 1]).unwrap();
        assert_eq!(&SRC[s], "\"wrker\"");
        let s = span_of(SRC, &path!["host", 0, "name"]).unwrap();
        assert_eq!(&SRC[s], "\"a\"");
    }

    #[test]
    fn falls_back_to_nearest_ancestor() {
        let s = span_of(SRC, &path!["host", 0, "address"]).unwrap();
        assert!(
            SRC[s].starts_with("[[host]]"),
            "{:?}",
            &SRC[span_of(SRC, &path!["host", 0, "address"]).unwrap()]
        );
    }

    #[test]
    fn displays_paths() {
        assert_eq!(
            display(&path!["host", 1, "spark", "worker_cores"]),
            "host[1].spark.worker_cores"
        );
    }
}
