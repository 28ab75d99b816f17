//! What the operator sees while a run is under way: one indicatif bar per
//! host on a terminal (bytes while uploading, the current step otherwise),
//! plain timestamped lines when stderr is not a terminal (CI, logs, pipes).
//!
//! indicatif prints nothing when not on a terminal, so plain mode prints
//! its own lines rather than relying on `MultiProgress::println`.
//!
//! `--quiet` silences every step and phase line, on a terminal or not: what
//! is left on stderr is errors and [`Progress::notice`]s (things the final
//! summary does not say and the operator must act on); the summary itself
//! goes to stdout. `-v` (see `crate::trace`) turns the bars into plain
//! lines, so trace lines and step lines interleave in one readable log
//! instead of tearing the bars apart.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What each host (and the run as a whole, under "") is doing right now,
/// so an interrupted run can say where it stopped.
static CURRENT: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());

fn record(host: &str, what: &str) {
    if let Ok(mut m) = CURRENT.lock() {
        m.insert(host.to_string(), what.to_string());
    }
}

/// `--quiet` for the whole process: set once by `main`, read by the few
/// lines printed outside a [`Progress`] (a tarball download).
static QUIET: AtomicBool = AtomicBool::new(false);

/// Make `--quiet` the run's choice.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `--quiet` was given.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// "phase; host: step; ..." for the interrupt message.
pub fn where_we_are() -> String {
    let m = match CURRENT.lock() {
        Ok(m) => m.clone(),
        Err(_) => return String::new(),
    };
    m.iter()
        .map(|(h, w)| {
            if h.is_empty() {
                w.clone()
            } else {
                format!("{}: {}", h, w)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[derive(Clone)]
pub struct Progress {
    multi: Option<MultiProgress>,
    start: Instant,
    width: usize,
    /// Print no step or phase line (still recorded for the interrupt message).
    quiet: bool,
}

#[derive(Clone)]
pub struct HostBar {
    host: String,
    bar: Option<ProgressBar>,
    progress: Arc<Progress>,
}

impl Progress {
    /// `quiet` (or the run's `--quiet`) suppresses step lines; errors,
    /// notices and summaries still print.
    pub fn new(hosts: &[&str], quiet: bool) -> Arc<Progress> {
        let quiet = quiet || self::quiet();
        let tty = std::io::stderr().is_terminal()
            && std::env::var_os("SPARKCTL_PLAIN").is_none()
            && !crate::trace::enabled();
        // The bars' bold host names follow `--color` and NO_COLOR like the
        // diagnostics (console, indicatif's styling, has its own default).
        console::set_colors_enabled_stderr(crate::diag::style::stderr_coloured());
        let multi =
            (tty && !quiet).then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Arc::new(Progress {
            multi,
            start: Instant::now(),
            width: crate::out::host_width(hosts.iter().copied()),
            quiet,
        })
    }

    pub fn host(self: &Arc<Self>, host: &str) -> HostBar {
        let bar = self.multi.as_ref().map(|m| {
            let b = m.add(ProgressBar::new_spinner());
            b.set_style(
                ProgressStyle::with_template("{spinner} {prefix:.bold} {wide_msg}").unwrap(),
            );
            b.set_prefix(format!("{:w$}", host, w = self.width));
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        HostBar {
            host: host.to_string(),
            bar,
            progress: self.clone(),
        }
    }

    /// A line for the whole run (phase changes, waits).
    pub fn line(&self, msg: &str) {
        record("", msg);
        if !self.quiet {
            self.print(msg);
        }
    }

    /// A line printed even with `--quiet`: something the operator must
    /// know or act on that no summary repeats (a secret just generated, a
    /// wait of many minutes and how to skip it).
    pub fn notice(&self, msg: &str) {
        record("", msg);
        self.print(msg);
    }

    fn print(&self, msg: &str) {
        let text = format!("[{:>5.1}s] {}", self.start.elapsed().as_secs_f64(), msg);
        match &self.multi {
            Some(m) => {
                let _ = m.println(text);
            }
            None => eprintln!("{}", text),
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }
}

impl HostBar {
    pub fn step(&self, msg: &str) {
        record(&self.host, msg);
        match &self.bar {
            Some(b) => {
                b.set_style(
                    ProgressStyle::with_template("{spinner} {prefix:.bold} {wide_msg}").unwrap(),
                );
                b.set_message(msg.to_string());
            }
            None => self.progress.line(&format!(
                "{:w$}  {}",
                self.host,
                msg,
                w = self.progress.width
            )),
        }
    }

    /// Switch to a byte bar for an upload of `total` bytes.
    pub fn upload(&self, what: &str, total: u64) {
        record(&self.host, &format!("upload {}", what));
        match &self.bar {
            Some(b) => {
                b.set_style(
                    ProgressStyle::with_template("{spinner} {prefix:.bold} {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
                        .unwrap()
                        .progress_chars("=> "),
                );
                b.set_length(total);
                b.set_position(0);
                b.set_message(format!("upload {}", what));
            }
            None => self.progress.line(&format!(
                "{:w$}  upload {} ({} MiB)",
                self.host,
                what,
                total / (1 << 20),
                w = self.progress.width
            )),
        }
    }

    pub fn bytes(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.set_position(n);
        }
    }

    pub fn finish(&self, msg: &str) {
        record(&self.host, &format!("done ({})", msg));
        match &self.bar {
            Some(b) => {
                b.set_style(ProgressStyle::with_template("  {prefix:.bold} {wide_msg}").unwrap());
                b.finish_with_message(msg.to_string());
            }
            None => self.progress.line(&format!(
                "{:w$}  {}",
                self.host,
                msg,
                w = self.progress.width
            )),
        }
    }
}
