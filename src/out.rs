//! The commands' standard output, which a closed pipe cannot crash.
//!
//! `println!` panics when stdout is a pipe whose reader has gone
//! (`sparkctl check x.toml | true`, `sparkctl status x.toml | head -1`):
//! exit 101 and a panic message. Two ways out were possible:
//!
//! * reset SIGPIPE to its default at start, as C programs have it: the
//!   process dies on the first such write. But the signal is not only
//!   raised for stdout: sparkctl writes into the pipes of its children
//!   (ssh, ssh-keygen, the streamed uploads), and a child that exits early
//!   would then kill a deploy midway, skipping what it does on the way out
//!   (releasing the hosts' lock, closing SSH masters). Rust ignores SIGPIPE
//!   for that reason, and it stays ignored.
//! * handle the error where stdout is written: here. The first failed write
//!   marks stdout closed; later output is dropped and the command finishes
//!   and exits with its own code (`status` still says 0/3/4, `deploy` 0/1),
//!   which a shell with `pipefail` then sees. Nothing is printed about a
//!   closed pipe: the reader chose to stop reading.
//!
//! Every line a command prints for its user goes through [`outln!`] or
//! [`out!`]; progress and errors go to stderr as before.
//!
//! [`host_width`] is here too: the one rule for how wide the host-name
//! column is, in the summaries on stdout and the progress lines on stderr.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Write `text` to stdout unless it is known to be closed.
pub fn write(text: &str) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_all(text.as_bytes()).and_then(|_| o.flush()) {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let w = crate::diag::Palette::stderr().warning;
            eprintln!(
                "{w}warning{w:#}: cannot write to standard output ({}): the rest of the output is dropped",
                e
            );
        }
    }
}

/// The width of a column of host names: the longest name, or 4 when there
/// are none. Every table and progress line that starts with a host name
/// pads it to this, so their columns line up with one another.
pub fn host_width<'a>(names: impl IntoIterator<Item = &'a str>) -> usize {
    names.into_iter().map(str::len).max().unwrap_or(4)
}

/// `println!` to stdout through [`write`].
#[macro_export]
macro_rules! outln {
    () => { $crate::out::write("\n") };
    ($($arg:tt)*) => {{
        let mut line = format!($($arg)*);
        line.push('\n');
        $crate::out::write(&line)
    }};
}

/// `print!` to stdout through [`write`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::write(&format!($($arg)*)) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_width_is_the_longest_name_or_four() {
        assert_eq!(host_width(["a", "worker-10", "b"]), 9);
        assert_eq!(host_width(["a"]), 1);
        assert_eq!(host_width([]), 4);
    }
}
