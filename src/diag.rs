//! User-facing diagnostics: an error that points at a file, line and column
//! (like `just` and `rustc`), and the exit codes every command shares.
//!
//! Only errors caused by what the user wrote (inventory, flags, templates,
//! tarballs) become a [`Diagnostic`]; faults on hosts stay `anyhow` chains
//! with host and step context added where they happen.
//!
//! Columns under a source line are terminal columns (`unicode-width`),
//! not bytes or characters: the caret sits under the value after a tab or
//! a CJK character. `style` colours the same text on a terminal.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

pub mod style;
pub use style::Palette;

/// Exit statuses, documented in the README ("When something fails").
/// Scripts rely on them.
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
        self.render(f, &Palette::PLAIN)
    }
}

impl Diagnostic {
    /// The diagnostic in `palette`'s colours (plain: exactly `Display`).
    pub fn styled<'a>(&'a self, palette: &'a Palette) -> impl fmt::Display + 'a {
        Styled(move |f: &mut fmt::Formatter<'_>| self.render(f, palette))
    }

    fn render(&self, f: &mut fmt::Formatter<'_>, p: &Palette) -> fmt::Result {
        let (err, g, caret) = (p.error, p.gutter, p.caret);
        writeln!(f, "{err}error{err:#}: {}", self.message)?;
        // The gutter is as wide as the line number, so `|` and the `=` of
        // `= help` stay in one column for line 9 as for line 1234.
        let mut gutter = 1;
        match (&self.file, self.line_col()) {
            (Some(file), Some((line, col))) => {
                let src = self.source.as_deref().unwrap_or("");
                let span = self.span.clone().unwrap_or(0..0);
                let text = src.lines().nth(line - 1).unwrap_or("");
                gutter = line.to_string().len();
                let e = "";
                writeln!(
                    f,
                    "{e:>gutter$}{g}-->{g:#} {}:{}:{}",
                    file.display(),
                    line,
                    col
                )?;
                writeln!(f, "{e:>gutter$} {g}|{g:#}")?;
                writeln!(f, "{g}{line}{g:#} {g}|{g:#} {}", shown(text))?;
                // Underline the span, clipped to the first line it covers.
                let line_start = src[..span.start.min(src.len())]
                    .rfind('\n')
                    .map(|i| i + 1)
                    .unwrap_or(0);
                let start = span.start.clamp(line_start, line_start + text.len());
                let end = span.end.clamp(start, line_start + text.len());
                let pad = width(&src[line_start..start]);
                let carets = "^".repeat(width(&src[start..end]).max(1));
                writeln!(f, "{e:>gutter$} {g}|{g:#} {e:pad$}{caret}{carets}{caret:#}")?;
            }
            (Some(file), None) => writeln!(f, "  {g}-->{g:#} {}", file.display())?,
            _ => {}
        }
        if let Some(help) = &self.help {
            let (e, l) = ("", p.label);
            writeln!(f, "{e:>gutter$} {g}={g:#} {l}help{l:#}: {}", help)?;
        }
        Ok(())
    }
}

/// Tabs in a shown source line: four spaces (as rustc shows them), so the
/// caret line, which counts a tab as four columns, lines up whatever the
/// terminal's tab stops are.
const TAB: &str = "    ";

fn shown(line: &str) -> std::borrow::Cow<'_, str> {
    if line.contains('\t') {
        line.replace('\t', TAB).into()
    } else {
        line.into()
    }
}

/// Terminal columns `s` takes once shown: a tab is four, a CJK character
/// two, a combining mark none (unicode-width's East Asian Width tables).
fn width(s: &str) -> usize {
    use unicode_width::UnicodeWidthChar;
    s.chars()
        .map(|c| match c {
            '\t' => TAB.len(),
            c => c.width().unwrap_or(0),
        })
        .sum()
}

/// A `Display` from a closure: how a diagnostic is written in colour
/// without a second copy of its layout.
struct Styled<F>(F);

impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> fmt::Display for Styled<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}

/// Several diagnostics reported together (all validation errors at once, so a
/// user fixes an inventory in one pass, not one error per run).
#[derive(Debug)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.render(f, &Palette::PLAIN)
    }
}

impl Diagnostics {
    /// All of them in `palette`'s colours (plain: exactly `Display`).
    pub fn styled<'a>(&'a self, palette: &'a Palette) -> impl fmt::Display + 'a {
        Styled(move |f: &mut fmt::Formatter<'_>| self.render(f, palette))
    }

    fn render(&self, f: &mut fmt::Formatter<'_>, p: &Palette) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            d.render(f, p)?;
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
mod tests;
