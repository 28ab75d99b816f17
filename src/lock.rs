//! A lock on every host so two sparkctl runs cannot change one cluster at
//! once. `mkdir` is atomic on every POSIX filesystem: the run that creates
//! the directory holds the lock; it records who it is inside.
//!
//! The lock lives under /run/lock (tmpfs: a host reboot clears it) or /tmp.
//! A lock whose owner ran on this same machine and whose process is gone
//! (sparkctl was killed) is stale and is broken automatically; any other
//! held lock stops the run with who holds it and since when, and
//! `--break-lock` removes it.
//!
//! "This same machine" is not the host name, which two operators' machines
//! (or containers, or cloned VMs) can share: it is the machine id, the boot
//! id and the pid namespace together (see [`identity`]), the three things a
//! pid is only meaningful within. A lock without them (written by an older
//! sparkctl) or with a different one is never broken automatically.

// The scripts live with every other remote script, in `steps`; these names
// stay here for the engine that takes the lock.
pub use crate::steps::lock::{acquire_script, release_script};

/// Who holds a lock, as recorded in it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Owner {
    /// Host name, for people.
    pub machine: String,
    /// [`identity`] of the machine it ran on; empty when unknown.
    pub machine_id: String,
    pub pid: u32,
    pub started: u64,
    pub command: String,
}

impl Owner {
    pub fn me(command: &str) -> Owner {
        Owner {
            machine: hostname(),
            machine_id: identity(),
            pid: std::process::id(),
            started: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            command: command.to_string(),
        }
    }

    /// The record written into the lock (see `steps::lock`).
    pub(crate) fn record(&self) -> String {
        format!(
            "machine={}\npid={}\nstarted={}\ncommand={}\nmachine_id={}\n",
            self.machine, self.pid, self.started, self.command, self.machine_id
        )
    }

    pub fn parse(text: &str) -> Owner {
        let mut o = Owner::default();
        for line in text.lines() {
            match line.split_once('=') {
                Some(("machine", v)) => o.machine = v.to_string(),
                Some(("machine_id", v)) => o.machine_id = v.to_string(),
                Some(("pid", v)) => o.pid = v.parse().unwrap_or(0),
                Some(("started", v)) => o.started = v.parse().unwrap_or(0),
                Some(("command", v)) => o.command = v.to_string(),
                _ => {}
            }
        }
        o
    }

    /// The owner ran here (this machine, this boot, this pid namespace) and
    /// its process no longer exists.
    pub fn is_stale_here(&self) -> bool {
        self.is_stale_on(&identity(), |pid| {
            std::path::Path::new(&format!("/proc/{}", pid)).exists()
        })
    }

    /// `is_stale_here` for a machine whose identity is `here`.
    fn is_stale_on(&self, here: &str, alive: impl Fn(u32) -> bool) -> bool {
        !here.is_empty() && self.machine_id == here && self.pid != 0 && !alive(self.pid)
    }

    /// Where the owner ran, for messages: says so when it only shares our
    /// host name.
    pub fn place(&self) -> String {
        if self.machine == hostname() && self.machine_id != identity() {
            format!("{} (another machine with this host name)", self.machine)
        } else {
            self.machine.clone()
        }
    }
}

/// This machine's host name, for people reading a lock (never for deciding
/// whether it is stale: that is [`identity`]). gethostname(2) through the
/// `gethostname` crate works on every Unix, where /proc/sys/kernel/hostname
/// is Linux only. Kept to one line of visible characters because it goes
/// into the `machine=` line of the record; "unknown" when nothing is left.
pub fn hostname() -> String {
    printable_hostname(&gethostname::gethostname().to_string_lossy())
}

fn printable_hostname(raw: &str) -> String {
    let name: String = raw.trim().chars().filter(|c| !c.is_control()).collect();
    if name.is_empty() {
        "unknown".into()
    } else {
        name
    }
}

/// What makes a pid mean one process: the machine (/etc/machine-id), its
/// current boot (a pid from before a reboot means nothing; so does one of a
/// machine whose cloned image kept the same machine id) and the pid
/// namespace (containers share the kernel, and so the boot id). Empty when
/// any of them cannot be read: then no lock is ever taken for ours.
pub fn identity() -> String {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let machine = read("/etc/machine-id").or_else(|| read("/var/lib/dbus/machine-id"));
    let boot = read("/proc/sys/kernel/random/boot_id");
    let pidns = std::fs::read_link("/proc/self/ns/pid")
        .ok()
        .map(|l| l.to_string_lossy().into_owned());
    match (machine, boot, pidns) {
        // Keep it to one line of plain characters: it goes into the record.
        (Some(m), Some(b), Some(n)) => format!("{}/{}/{}", m, b, n)
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .collect(),
        _ => String::new(),
    }
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
    use crate::steps::lock::{acquire_script_in, release_script_in};

    /// A fresh directory to make locks in: never the real /run/lock.
    fn scratch() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!(
            "sparkctl-lock-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn run(s: &str) -> std::process::Output {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(s)
            .output()
            .unwrap()
    }

    fn stdout(s: &str) -> String {
        String::from_utf8_lossy(&run(s).stdout).into_owned()
    }

    /// A pid that is certainly dead: a child of ours, spawned and reaped.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[test]
    fn lock_is_exclusive_and_released_only_by_its_owner() {
        let dir = scratch();
        let root = Some(dir.to_str().unwrap());
        let cluster = "test";
        let me = Owner::me("deploy");
        let other = Owner {
            machine: "elsewhere".into(),
            machine_id: "m/b/pid:[1]".into(),
            pid: 1,
            started: 5,
            command: "stop".into(),
        };
        let take =
            |o: &Owner, force| parse_outcome(&stdout(&acquire_script_in(root, cluster, o, force)));
        let release = |o: &Owner| stdout(&release_script_in(root, cluster, o));
        assert!(matches!(take(&me, false), Outcome::Locked));
        assert!(dir.join("sparkctl.test.lock/owner").is_file());
        match take(&other, false) {
            Outcome::Held(o) => assert_eq!(o, me),
            Outcome::Locked => panic!("a held lock was taken twice"),
        }
        release(&other); // not the owner: no effect
        assert!(matches!(take(&other, false), Outcome::Held(_)));
        release(&me);
        assert!(matches!(take(&other, false), Outcome::Locked));
        assert!(matches!(take(&me, true), Outcome::Locked), "--break-lock");
        release(&me);
        assert!(!dir.join("sparkctl.test.lock").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_lock_that_cannot_be_made_says_why_and_blames_rights_only_when_refused() {
        let dir = scratch();
        let me = Owner::me("deploy");
        // A lock name too long for the filesystem: not a matter of rights.
        let long = "x".repeat(300);
        let out = run(&acquire_script_in(
            Some(dir.to_str().unwrap()),
            &long,
            &me,
            false,
        ));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3));
        assert!(err.contains("File name too long"), "{}", err);
        assert!(!err.contains("needs root"), "{}", err);
        // Where no one may make a directory (sysfs; root included): the hint is given.
        let out = run(&acquire_script_in(Some("/sys"), "c", &me, false));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3));
        assert!(
            err.starts_with("cannot create the lock /sys/sparkctl.c.lock as user "),
            "{}",
            err
        );
        assert!(err.ends_with("\n(sparkctl needs root on the hosts, or a login user that may write there: log in as root or set `sudo = true` in [ssh])\n"), "{}", err);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_host_name_is_one_printable_line() {
        assert_eq!(printable_hostname("ops-1\n"), "ops-1");
        assert_eq!(printable_hostname("a\nmachine_id=x"), "amachine_id=x");
        assert_eq!(printable_hostname(""), "unknown");
        assert_eq!(printable_hostname(" \t"), "unknown");
        // The crate answers what the kernel holds on Linux.
        if let Ok(k) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
            assert_eq!(hostname(), k.trim());
        }
    }

    #[test]
    fn only_a_dead_owner_on_this_same_machine_is_stale() {
        let here = identity();
        assert!(!here.is_empty(), "no machine identity on this machine");
        let gone = Owner {
            machine: hostname(),
            machine_id: here.clone(),
            pid: dead_pid(),
            started: 1,
            command: "deploy".into(),
        };
        assert!(gone.is_stale_here());
        assert!(!Owner::me("x").is_stale_here());
        // Same host name, another machine (or boot, or pid namespace): its
        // pid means nothing here, whatever /proc says.
        let twin = Owner {
            machine_id: format!("{}-other", here),
            ..gone.clone()
        };
        assert!(!twin.is_stale_here());
        assert_eq!(
            twin.place(),
            format!("{} (another machine with this host name)", hostname())
        );
        assert_eq!(gone.place(), hostname());
        // A lock from before machine ids were recorded.
        let old = Owner::parse(&format!(
            "machine={}\npid={}\nstarted=1\ncommand=deploy\n",
            hostname(),
            gone.pid
        ));
        assert_eq!(old.machine_id, "");
        assert!(!old.is_stale_here());
        // Unknown identity here: nothing is ever stale.
        assert!(!gone.is_stale_on("", |_| false));
        assert!(gone.is_stale_on(&here, |_| false));
        assert!(!gone.is_stale_on(&here, |_| true));
        // The record round-trips.
        assert_eq!(Owner::parse(&gone.record()), gone);
    }
}
