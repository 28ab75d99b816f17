//! `sparkctl logs`: find a daemon's newest log on its host, print its last
//! lines, or follow it. Read as the service user, like the log tails in
//! errors (`daemons::log_tail`), so a root login and a `run_as` cluster see
//! the same files. The follower is written to end on the host when the
//! operator's side goes away, whatever the way: see [`log_follow`].

use super::as_user;
use crate::inventory::Host;
use crate::layout::{self, Daemon};
use crate::shell::quote;

/// Exit status of [`log_file`] when no log matches: a typed answer
/// (nothing written yet), not a failure of the script.
pub const NO_LOG: i32 = 3;

/// Prints the path of `d`'s newest log on `host`, or exits [`NO_LOG`].
/// Newest by mtime (`ls -t`): Spark starts a new `.out` per start, and of
/// ZooKeeper's `.out` and `.log` the one written last is the live one.
pub fn log_file(host: &Host, d: Daemon, run_as: Option<&str>) -> String {
    let s = format!(
        "f=$(ls -t {} 2>/dev/null | head -n 1)\n[ -n \"$f\" ] || exit {}\nprintf '%s\\n' \"$f\"\n",
        layout::log_glob(host, d),
        NO_LOG
    );
    user(run_as, s)
}

/// The last `lines` lines of `path` (found by [`log_file`]).
pub fn log_show(path: &str, lines: u32, run_as: Option<&str>) -> String {
    user(
        run_as,
        format!("exec tail -n {} -- {}\n", lines, quote(path)),
    )
}

/// The last `lines` lines of `path`, then whatever is appended, across
/// rotations and re-creations (`tail -F`), until this script's standard
/// input ends. sparkctl holds that input open and closes it on Ctrl-C; a
/// dropped connection closes it too (sshd ends the channel). So the shell
/// waits on `cat` (not on tail, which never ends by itself), then stops
/// the tail. Two guards because a `run_as` tail runs under runuser/su:
/// the kill reaches the wrapper (which passes SIGTERM on), and
/// `--pid=$$` makes tail (GNU coreutils) exit by itself within a second
/// of this shell's exit in case it did not.
pub fn log_follow(path: &str, lines: u32, run_as: Option<&str>) -> String {
    let inner = format!(
        "exec tail -n {} -F --pid=\"$SPARKCTL_PID\" -- {}\n",
        lines,
        quote(path)
    );
    format!(
        "SPARKCTL_PID=$$\nexport SPARKCTL_PID\n{{\n{}}} </dev/null &\nt=$!\ncat >/dev/null\nkill \"$t\" 2>/dev/null\nexit 0\n",
        user(run_as, inner)
    )
}

fn user(run_as: Option<&str>, script: String) -> String {
    match run_as {
        Some(u) => as_user(u, &script),
        None => script,
    }
}
