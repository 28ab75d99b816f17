//! User-facing diagnostics: an error that points at a file, line and column
//! (like `just` and `rustc`), and the exit codes every command shares.
//!
//! Only errors caused by what the user wrote (inventory, flags, templates,
//! tarballs) become a [`Diagnostic`]; faults on hosts stay `anyhow` chains
//! with host and step context added where they happen.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Exit statuses, documented in the README. Scripts rely on them.
pub mod exit {
    /// Everything asked for was done and verified healthy.
    pub const OK: i32 = 0;
    /// A host or a step on a host failed.
    pub const FAILED: i32 = 1;
    /// Bad usage, inventory, template or distribution: nothing was touched.
    pub const USAGE: i32 = 2;
    /// `status`: the cluster works but something is missing (a standby, a worker, a ZooKeeper node).
    pub const DEGRADED: i32 = 3;
    /// `status`: the cluster cannot serve (no ALIVE master, or no ZooKeeper quorum).
    pub const DOWN: i32 = 4;
}

/// One error in something the user wrote, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    pub file: Option<PathBuf>,
    /// Byte range inside `source`.
    pub span: Option<Range<usize>>,
    /// The file's text, kept so the offending line can be shown.
    pub source: Option<std::sync::Arc<str>>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            file: None,
            span: None,
            source: None,
            help: None,
        }
    }

    pub fn in_file(
        mut self,
        file: &Path,
        source: std::sync::Arc<str>,
        span: Option<Range<usize>>,
    ) -> Self {
        self.file = Some(file.to_path_buf());
        self.source = Some(source);
        self.span = span;
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// 1-based line and column of the start of the span.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        let (src, span) = (self.source.as_deref()?, self.span.as_ref()?);
        Some(line_col(src, span.start))
    }
}

/// 1-based line and (character) column of byte offset `at` in `src`.
pub fn line_col(src: &str, at: usize) -> (usize, usize) {
    let at = at.min(src.len());
    let before = &src[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = src[line_start..at].chars().count() + 1;
    (line, col)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        match (&self.file, self.line_col()) {
            (Some(file), Some((line, col))) => {
                let src = self.source.as_deref().unwrap_or("");
                let span = self.span.clone().unwrap_or(0..0);
                let text = src.lines().nth(line - 1).unwrap_or("");
                let gutter = line.to_string().len();
                writeln!(
                    f,
                    "{:>w$}--> {}:{}:{}",
                    "",
                    file.display(),
                    line,
                    col,
                    w = gutter
                )?;
                writeln!(f, "{:>w$} |", "", w = gutter)?;
                writeln!(f, "{} | {}", line, text)?;
                // Underline the span, clipped to the first line it covers.
                let line_start = src[..span.start.min(src.len())]
                    .rfind('\n')
                    .map(|i| i + 1)
                    .unwrap_or(0);
                let end = span.end.min(line_start + text.len()).max(span.start + 1);
                let width = src
                    .get(span.start..end)
                    .map(|s| s.chars().count())
                    .unwrap_or(1)
                    .max(1);
                writeln!(
                    f,
                    "{:>w$} | {:pad$}{}",
                    "",
                    "",
                    "^".repeat(width),
                    w = gutter,
                    pad = col - 1
                )?;
            }
            (Some(file), None) => writeln!(f, "  --> {}", file.display())?,
            _ => {}
        }
        if let Some(help) = &self.help {
            writeln!(f, "  = help: {}", help)?;
        }
        Ok(())
    }
}

/// Several diagnostics reported together (all validation errors at once, so a
/// user fixes an inventory in one pass, not one error per run).
#[derive(Debug)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", d)?;
        }
        if self.0.len() > 1 {
            writeln!(
                f,
                "\n{} errors; nothing was changed on any host.",
                self.0.len()
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
impl std::error::Error for Diagnostic {}

/// An error in what the user asked for (flags, files) rather than on a host:
/// maps to exit status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for UsageError {}

/// Suggest the closest candidate for a misspelt name ("did you mean ...").
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_and_caret() {
        let src: std::sync::Arc<str> = "a = 1\nport = 8080\n".into();
        let d = Diagnostic::new("bad port")
            .in_file(Path::new("inv.toml"), src, Some(13..17))
            .with_help("use another");
        assert_eq!(
            d.to_string(),
            "error: bad port\n --> inv.toml:2:8\n  |\n2 | port = 8080\n  |        ^^^^\n  = help: use another\n"
        );
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(
            did_you_mean("worker_core", ["worker_cores", "master_port"]),
            Some("worker_cores")
        );
        assert_eq!(did_you_mean("zzz", ["worker_cores"]), None);
    }
}
