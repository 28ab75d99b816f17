//! Colour for sparkctl's own diagnostics, chosen once for the whole run by
//! `--color auto|always|never`, `NO_COLOR` and whether stderr is a terminal.
//!
//! The choice is anstream's global one, the same clap reads for its own
//! usage errors and help, so `--color never` or `NO_COLOR=1` turn both off
//! together (anstream's auto mode: `NO_COLOR` set and non-empty wins over
//! `CLICOLOR_FORCE`, and `--color always` wins over both, as no-color.org
//! asks). Colours follow clap and rustc: bold red `error`, bold yellow
//! `warning`, bold blue gutter, bold red carets.
//!
//! Nothing here decides anything from message text except
//! [`paint_message`], which only colours the `error:`/`warning:`/`= help:`
//! prefixes of messages that were built as plain strings.

use anstyle::{AnsiColor, Style};
use std::ffi::OsString;

/// The styles of one rendering; [`Palette::PLAIN`] writes no escape code.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub error: Style,
    pub warning: Style,
    /// `-->`, line numbers, `|` and `=`.
    pub gutter: Style,
    pub caret: Style,
    /// `help` and `note`.
    pub label: Style,
}

impl Palette {
    pub const PLAIN: Palette = Palette {
        error: Style::new(),
        warning: Style::new(),
        gutter: Style::new(),
        caret: Style::new(),
        label: Style::new(),
    };

    pub const COLOURED: Palette = Palette {
        error: AnsiColor::Red.on_default().bold(),
        warning: AnsiColor::Yellow.on_default().bold(),
        gutter: AnsiColor::Blue.on_default().bold(),
        caret: AnsiColor::Red.on_default().bold(),
        label: Style::new().bold(),
    };

    /// The palette for stderr under the run's colour choice.
    pub fn stderr() -> Palette {
        if stderr_coloured() {
            Palette::COLOURED
        } else {
            Palette::PLAIN
        }
    }
}

/// Whether stderr gets colour: the global choice, with `auto` resolved
/// against the terminal and the environment.
pub fn stderr_coloured() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// Make `choice` the run's colour choice (clap's and ours).
pub fn set_choice(choice: clap::ColorChoice) {
    match choice {
        clap::ColorChoice::Auto => anstream::ColorChoice::Auto,
        clap::ColorChoice::Always => anstream::ColorChoice::Always,
        clap::ColorChoice::Never => anstream::ColorChoice::Never,
    }
    .write_global();
}

/// The `--color` value among raw arguments, read before clap parses them
/// so that clap's own errors (a bad flag) already follow it. The last one
/// wins, as clap takes it; a value clap would refuse is left to clap;
/// nothing after `--` is a flag.
pub fn color_flag(args: impl IntoIterator<Item = OsString>) -> Option<clap::ColorChoice> {
    use clap::ValueEnum;
    let mut found = None;
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        let value = match a.to_str() {
            Some("--") => break,
            Some("--color") => args.next(),
            Some(s) => match s.strip_prefix("--color=") {
                Some(v) => Some(v.into()),
                None => continue,
            },
            None => continue,
        };
        if let Some(c) = value
            .as_ref()
            .and_then(|v| v.to_str())
            .and_then(|v| clap::ColorChoice::from_str(v, false).ok())
        {
            found = Some(c);
        }
    }
    found
}

/// Colour the prefixes of a message built as plain text (`UsageError`s
/// and `anyhow` chains carry their own `error: ` and `  = help: ` lines):
/// `error`/`warning` at the start of a line, and the `=` and label of an
/// indented `= help:` or `= note:` line. With [`Palette::PLAIN`] the text
/// comes back unchanged.
pub fn paint_message(text: &str, p: &Palette) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("error:") {
            out.push_str(&format!("{0}error{0:#}:{1}", p.error, rest));
        } else if let Some(rest) = line.strip_prefix("warning:") {
            out.push_str(&format!("{0}warning{0:#}:{1}", p.warning, rest));
        } else if let Some((indent, label, rest)) = marker(line) {
            let (g, l) = (p.gutter, p.label);
            out.push_str(&format!("{indent}{g}={g:#} {l}{label}{l:#}:{rest}"));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// `  = help: x` -> ("  ", "help", " x").
fn marker(line: &str) -> Option<(&str, &str, &str)> {
    let body = line.trim_start_matches(' ');
    let indent = &line[..line.len() - body.len()];
    let body = body.strip_prefix("= ")?;
    ["help", "note"]
        .into_iter()
        .find_map(|l| Some((indent, l, body.strip_prefix(l)?.strip_prefix(':')?)))
        .filter(|_| !indent.is_empty())
}
