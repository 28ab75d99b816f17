//! `-v`/`--verbose`: what runs where, as `tracing` events on stderr. `-v`
//! traces every remote step (host, step, the script's first line, exit
//! status, duration) and every connection; `-vv` adds each step's whole
//! command and every health probe with its timing; `-vvv` anything finer.
//!
//! A trace must never show a secret, whatever a later change traces. Two
//! guards, both here: the scripts never hold the secret in the first place
//! (it goes over stdin, `steps::secret_input`), and every byte the
//! subscriber writes passes through [`redact`], which replaces each secret
//! value this process has seen ([`register_secret`]: the cluster's secret
//! when loaded or generated, the REST filter key and tokens derived from
//! it) with `<redacted>`. What a script prints (its stdout) is never
//! traced: reading a config file back would print it.
//!
//! Nothing here decides anything; without `-v` no subscriber is installed
//! and every event is a no-op.

use std::borrow::Cow;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

static VERBOSITY: AtomicU8 = AtomicU8::new(0);

/// Secret values seen by this process, longest first (so a value that
/// contains another is replaced whole).
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Install the stderr subscriber for `verbose` (`-v` count); 0 installs none.
pub fn init(verbose: u8) {
    VERBOSITY.store(verbose, Ordering::Relaxed);
    if verbose == 0 {
        return;
    }
    let level = match verbose {
        1 => tracing::Level::INFO,
        2 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    // Uptime, like the progress lines' `[  1.2s]`: a run's traces read as
    // one timeline. Colour follows `--color`/NO_COLOR like the diagnostics.
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .with_timer(tracing_subscriber::fmt::time::Uptime::default())
        .with_ansi(crate::diag::style::stderr_coloured())
        .with_writer(|| Redacting::new(std::io::stderr()))
        .try_init();
}

/// Whether `-v` was given (the progress bars give way to plain lines).
pub fn enabled() -> bool {
    VERBOSITY.load(Ordering::Relaxed) > 0
}

/// Remember `value` as a secret: no trace line will show it. Short values
/// are ignored (a secret has at least 16 characters, `secret.rs`): a
/// two-letter "secret" would blank out unrelated text.
pub fn register_secret(value: &str) {
    if value.len() < 8 {
        return;
    }
    if let Ok(mut s) = SECRETS.write() {
        if !s.iter().any(|v| v == value) {
            s.push(value.to_string());
            s.sort_by_key(|v| std::cmp::Reverse(v.len()));
        }
    }
}

/// `text` with every registered secret replaced by `<redacted>`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let Ok(secrets) = SECRETS.read() else {
        // A poisoned lock: show nothing rather than risk a secret.
        return Cow::Borrowed(crate::secret::REDACTED);
    };
    let mut out = Cow::Borrowed(text);
    for s in secrets.iter() {
        if out.contains(s.as_str()) {
            out = Cow::Owned(out.replace(s.as_str(), crate::secret::REDACTED));
        }
    }
    out
}

/// The line of a script that says what it does: the first one that is
/// neither blank nor a comment, trimmed, cut at 120 characters.
pub fn first_line(script: &str) -> String {
    let line = script
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    match line.char_indices().nth(120) {
        Some((i, _)) => format!("{}...", &line[..i]),
        None => line.to_string(),
    }
}

/// One remote step being traced: created when it starts (the whole
/// command at `-vv`), finished with its outcome (one line at `-v`).
pub struct Step<'a> {
    host: &'a str,
    step: &'a str,
    first: String,
    started: Instant,
}

impl<'a> Step<'a> {
    /// `command` is how the script is run (`sh -c`, `sudo -n -- sh -c`).
    pub fn start(host: &'a str, step: &'a str, command: &str, script: &str) -> Step<'a> {
        tracing::debug!(host, step, command, script, "start");
        Step {
            host,
            step,
            first: first_line(script),
            started: Instant::now(),
        }
    }

    /// The step ended: its exit status, or `None` when there was none
    /// (SSH failed, timed out, killed by a signal).
    pub fn done(self, status: Option<i32>) {
        let took = secs(self.started.elapsed());
        match status {
            Some(status) => tracing::info!(
                host = self.host,
                step = self.step,
                script = %self.first,
                status,
                took = %took,
                "ran"
            ),
            None => tracing::info!(
                host = self.host,
                step = self.step,
                script = %self.first,
                took = %took,
                "no exit status"
            ),
        }
    }
}

/// A duration as the traces show it: "0.123s".
pub fn secs(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

/// A writer that holds one trace event and writes it, redacted, when
/// dropped (the subscriber makes one per event): a secret split across two
/// `write` calls is still seen whole.
pub struct Redacting<W: Write> {
    buf: Vec<u8>,
    inner: W,
}

impl<W: Write> Redacting<W> {
    pub fn new(inner: W) -> Redacting<W> {
        Redacting {
            buf: Vec::new(),
            inner,
        }
    }
}

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for Redacting<W> {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.buf);
        let _ = self.inner.write_all(redact(&text).as_bytes());
        let _ = self.inner.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A sink the test reads back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);
    impl Write for Captured {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn traced(f: impl FnOnce()) -> String {
        let sink = Captured::default();
        let w = sink.clone();
        let sub = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Redacting::new(w.clone()))
            .finish();
        tracing::subscriber::with_default(sub, f);
        let out = sink.0.lock().unwrap().clone();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn first_line_skips_blanks_and_comments_and_is_cut() {
        assert_eq!(first_line("\n# why\n  set -eu\necho x\n"), "set -eu");
        assert_eq!(first_line(""), "");
        let long = "x".repeat(200);
        assert_eq!(first_line(&long), format!("{}...", "x".repeat(120)));
    }

    #[test]
    fn a_step_traces_host_step_first_line_status_and_duration() {
        let out = traced(|| {
            let s = Step::start("hosta", "unpack x", "sh -c", "set -eu\ntar xzf x\n");
            s.done(Some(0));
        });
        assert!(out.contains("host=\"hosta\""), "{}", out);
        assert!(out.contains("step=\"unpack x\""), "{}", out);
        assert!(out.contains("script=set -eu"), "{}", out);
        assert!(out.contains("status=0"), "{}", out);
        assert!(out.contains("took="), "{}", out);
        // -vv: the whole script.
        assert!(out.contains("tar xzf x"), "{}", out);
    }

    /// The real secret path: the cluster's secret rendered into the
    /// daemons' properties file and written by `steps::write_files` is not
    /// in the script (stdin carries it), and even a script that held it
    /// (or any other traced text) is written redacted.
    #[test]
    fn traced_scripts_never_show_a_secret() {
        let secret = crate::secret::Secret::for_tests("0123456789abcdef-trace-test-secret");
        register_secret(secret.expose());
        let key = crate::rest::filter_key(&secret);
        let file = crate::render::ConfigFile {
            path: "/opt/spark/conf/sparkctl-daemon.properties".into(),
            content: format!(
                "spark.authenticate.secret {}\nkey {}\n",
                secret.expose(),
                key
            ),
            template: "spark-defaults.conf",
            readers: vec![],
            secret: true,
        };
        let script = crate::steps::write_files(&[], std::slice::from_ref(&file), None);
        let out = traced(|| {
            Step::start("hosta", "write config files", "sh -c", &script).done(Some(0));
            // A careless future trace of the file's content.
            tracing::debug!(content = %file.content, "oops");
        });
        assert!(!out.contains(secret.expose()), "{}", out);
        assert!(!out.contains(&key), "{}", out);
        assert!(out.contains("<redacted>"), "{}", out);
        assert!(out.contains("write config files"), "{}", out);

        // A REST token (rest-token, submit --status) is redacted as well.
        let token = crate::rest::token(&secret, 1_700_000_000, 60);
        let bearer = format!("Authorization: Bearer {}", token);
        let out = traced(|| tracing::debug!(request = %bearer, "probe"));
        assert!(!out.contains(&token), "{}", out);
        assert!(out.contains("Bearer <redacted>"), "{}", out);
    }
}
