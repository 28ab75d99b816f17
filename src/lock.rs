//! A lock on every host so two sparkctl runs cannot change one cluster at
//! once. `mkdir` is atomic on every POSIX filesystem: the run that creates
//! the directory holds the lock; it records who it is inside.
//!
//! The lock lives under /run/lock (tmpfs: a host reboot clears it) or /tmp.
//! A lock whose owner ran on this same machine and whose process is gone
//! (sparkctl was killed) is stale and is broken automatically; any other
//! held lock stops the run with who holds it and since when, and
//! `--break-lock` removes it.

use crate::shell::quote;

/// Who holds a lock, as recorded in it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Owner {
    pub machine: String,
    pub pid: u32,
    pub started: u64,
    pub command: String,
}

impl Owner {
    pub fn me(command: &str) -> Owner {
        Owner {
            machine: hostname(),
            pid: std::process::id(),
            started: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            command: command.to_string(),
        }
    }

    fn record(&self) -> String {
        format!(
            "machine={}\npid={}\nstarted={}\ncommand={}\n",
            self.machine, self.pid, self.started, self.command
        )
    }

    pub fn parse(text: &str) -> Owner {
        let mut o = Owner::default();
        for line in text.lines() {
            match line.split_once('=') {
                Some(("machine", v)) => o.machine = v.to_string(),
                Some(("pid", v)) => o.pid = v.parse().unwrap_or(0),
                Some(("started", v)) => o.started = v.parse().unwrap_or(0),
                Some(("command", v)) => o.command = v.to_string(),
                _ => {}
            }
        }
        o
    }

    /// The owner ran here and its process no longer exists.
    pub fn is_stale_here(&self) -> bool {
        self.machine == hostname()
            && self.pid != 0
            && !std::path::Path::new(&format!("/proc/{}", self.pid)).exists()
    }
}

pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// The lock directory for a cluster, chosen on the host.
fn dir_expr(cluster: &str) -> String {
    let name = quote(&format!("sparkctl.{}.lock", cluster));
    format!(
        "if [ -d /run/lock ]; then d=/run/lock/{n}; else d=/tmp/{n}; fi",
        n = name
    )
}

/// Try to take the lock. Prints `@locked` on success, or `@held` followed by
/// the owner record. `force` removes an existing lock first.
pub fn acquire_script(cluster: &str, me: &Owner, force: bool) -> String {
    format!(
        "{dir}\n{force}if mkdir \"$d\" 2>/dev/null; then printf '%s' {rec} > \"$d/owner\"; echo @locked\nelif [ -d \"$d\" ]; then echo @held; cat \"$d/owner\" 2>/dev/null; true\nelse echo \"cannot create the lock $d as user $(id -un): $(mkdir \"$d\" 2>&1 | sed 's/^mkdir: //')\" >&2; echo \"(sparkctl needs root on the hosts, or a login user that may write there: log in as root or set \\`sudo = true\\` in [ssh])\" >&2; exit 3; fi\n",
        dir = dir_expr(cluster),
        force = if force { "rm -rf \"$d\"\n" } else { "" },
        rec = quote(&me.record())
    )
}

/// Release the lock if (and only if) we still own it.
pub fn release_script(cluster: &str, me: &Owner) -> String {
    format!(
        "{dir}\nif [ \"$(cat \"$d/owner\" 2>/dev/null)\" = {rec} ]; then rm -rf \"$d\"; fi\n",
        dir = dir_expr(cluster),
        rec = quote(me.record().trim_end())
    )
}

/// What `acquire_script` printed.
pub enum Outcome {
    Locked,
    Held(Owner),
}

pub fn parse_outcome(out: &str) -> Outcome {
    if out.trim_start().starts_with("@locked") {
        Outcome::Locked
    } else {
        Outcome::Held(Owner::parse(out.trim_start().trim_start_matches("@held")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_is_exclusive_and_released_only_by_its_owner() {
        let cluster = format!("test-{}", std::process::id());
        let run = |s: &str| {
            String::from_utf8_lossy(
                &std::process::Command::new("sh")
                    .arg("-c")
                    .arg(s)
                    .output()
                    .unwrap()
                    .stdout,
            )
            .into_owned()
        };
        let me = Owner::me("deploy");
        let other = Owner {
            machine: "elsewhere".into(),
            pid: 1,
            started: 5,
            command: "stop".into(),
        };
        assert!(matches!(
            parse_outcome(&run(&acquire_script(&cluster, &me, false))),
            Outcome::Locked
        ));
        match parse_outcome(&run(&acquire_script(&cluster, &other, false))) {
            Outcome::Held(o) => assert_eq!(o, me),
            Outcome::Locked => panic!("a held lock was taken twice"),
        }
        run(&release_script(&cluster, &other)); // not the owner: no effect
        assert!(matches!(
            parse_outcome(&run(&acquire_script(&cluster, &other, false))),
            Outcome::Held(_)
        ));
        run(&release_script(&cluster, &me));
        assert!(matches!(
            parse_outcome(&run(&acquire_script(&cluster, &other, false))),
            Outcome::Locked
        ));
        assert!(
            matches!(
                parse_outcome(&run(&acquire_script(&cluster, &me, true))),
                Outcome::Locked
            ),
            "--break-lock"
        );
        run(&release_script(&cluster, &me));
    }

    #[test]
    fn dead_local_owner_is_stale() {
        let gone = Owner {
            machine: hostname(),
            pid: 4_000_000,
            started: 1,
            command: "deploy".into(),
        };
        assert!(gone.is_stale_here());
        assert!(!Owner::me("x").is_stale_here());
        assert!(!Owner {
            machine: "other-machine".into(),
            ..gone
        }
        .is_stale_here());
    }
}
