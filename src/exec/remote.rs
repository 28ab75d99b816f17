//! What the engine (`session`) needs of a host: its name, run a script for
//! a named step (its exit judged, or not), with stdin from memory or from a
//! file, and close. [`Conn`] is the real one; unit tests drive the engine
//! with a fake host that records the scripts (`session::fake`).
//!
//! Plain generics, not `dyn`: `async fn` in traits (Rust 1.75+) is not
//! object-safe, and a run has one kind of host throughout, so nothing needs
//! dynamic dispatch (no `async-trait` crate, no boxed futures). The methods
//! are written `-> impl Future + Send` because the engine runs each host's
//! work on its own tokio task.

use super::{Conn, Output};
use anyhow::Result;
use std::future::Future;
use std::path::Path;

pub trait Remote: Clone + Send + Sync + 'static {
    /// The inventory name of the host (what errors and progress lines say).
    fn name(&self) -> &str;

    /// Run a script; a non-zero exit is an error naming `step` and the host.
    fn run(&self, step: &str, script: &str) -> impl Future<Output = Result<Output>> + Send;

    /// Run a script and return whatever it printed, whatever its exit status.
    fn run_status(&self, step: &str, script: &str) -> impl Future<Output = Result<Output>> + Send;

    /// `run`, with `input` on the script's standard input (secrets: never
    /// on a command line).
    fn run_with_input(
        &self,
        step: &str,
        script: &str,
        input: Vec<u8>,
    ) -> impl Future<Output = Result<Output>> + Send;

    /// `run`, with a local file as the script's standard input (uploads);
    /// `on_progress` gets the bytes sent so far.
    fn run_with_file(
        &self,
        step: &str,
        script: &str,
        file: &Path,
        on_progress: impl Fn(u64) + Send,
    ) -> impl Future<Output = Result<Output>> + Send;

    /// Run a script with its output streamed to this process's stdout and
    /// stderr; its exit status (`None`: none came back), not judged. A host
    /// that cannot stream (the engine's fakes) prints the whole output once
    /// the script has ended.
    fn run_streamed(
        &self,
        step: &str,
        script: &str,
    ) -> impl Future<Output = Result<Option<i32>>> + Send {
        async move {
            let o = self.run_status(step, script).await?;
            crate::out!("{}", o.stdout);
            eprint!("{}", o.stderr);
            Ok(Some(o.status))
        }
    }

    /// End the connection (once no clone of it is left).
    fn close(self) -> impl Future<Output = ()> + Send;
}

// Each method is the inherent one: the commands that hold a `Conn` keep
// calling those without importing the trait.
impl Remote for Conn {
    fn name(&self) -> &str {
        &self.host
    }
    fn run(&self, step: &str, script: &str) -> impl Future<Output = Result<Output>> + Send {
        Conn::run(self, step, script)
    }
    fn run_status(&self, step: &str, script: &str) -> impl Future<Output = Result<Output>> + Send {
        Conn::run_status(self, step, script)
    }
    fn run_with_input(
        &self,
        step: &str,
        script: &str,
        input: Vec<u8>,
    ) -> impl Future<Output = Result<Output>> + Send {
        Conn::run_with_input(self, step, script, input)
    }
    fn run_with_file(
        &self,
        step: &str,
        script: &str,
        file: &Path,
        on_progress: impl Fn(u64) + Send,
    ) -> impl Future<Output = Result<Output>> + Send {
        Conn::run_with_file(self, step, script, file, on_progress)
    }
    fn run_streamed(
        &self,
        step: &str,
        script: &str,
    ) -> impl Future<Output = Result<Option<i32>>> + Send {
        Conn::run_streamed(self, step, script)
    }
    fn close(self) -> impl Future<Output = ()> + Send {
        Conn::close(self)
    }
}
