//! Lab: SSH masters kept between runs (`[ssh] control_persist`, issue 9's
//! "status stays fast"). A second `status` reuses the first one's masters;
//! a changed known_hosts gets new ones; a master whose link died is
//! dropped and the host shown unreachable, then reconnected once the link
//! is back; a directory others can use is refused with a warning; and
//! `control_persist = 0` leaves no master behind. Needs root; never skips.
//!
//! Connections are what is tested, not daemons: the hosts are left bare
//! (status reports everything down, the same way every run).

mod common;
use common::*;
use std::collections::BTreeSet;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::Command;

/// The directory sparkctl keeps its masters in (see src/mux.rs).
fn keep_dir() -> std::path::PathBuf {
    let uid = std::fs::metadata("/proc/self").unwrap().uid();
    std::env::temp_dir().join(format!("sparkctl-{}", uid))
}

/// Pids of the ssh masters living in the keep directory.
fn masters() -> BTreeSet<u32> {
    let dir = keep_dir().display().to_string();
    let mut found = BTreeSet::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let args: Vec<String> = cmd
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if args
            .first()
            .is_some_and(|a| a == "ssh" || a.ends_with("/ssh"))
            && args.iter().any(|a| a == "-M")
            && args.iter().any(|a| a.starts_with(&dir))
        {
            found.insert(pid);
        }
    }
    found
}

/// `status` with `inv`: (exit status, stdout, stderr).
fn status(inv: &str) -> (Option<i32>, String, String) {
    let out = sparkctl(&["status", inv]);
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

fn lab(args: &[&str]) -> bool {
    Command::new(root().join("lab/lab"))
        .args(args)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn masters_are_kept_reused_checked_and_replaced() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    clean_slate();
    let inv = root().join("inventories/lab.toml");
    let inv = path_str(&inv);

    // First run: connects (or reuses what an earlier test left).
    let (code, first, _) = status(inv);
    let kept = masters();
    assert!(kept.len() >= 3, "no masters kept after a run: {:?}", kept);

    // Second run: not one new master.
    let t0 = std::time::Instant::now();
    let (c2, out, err) = status(inv);
    measured(
        "status on 3 hosts, kept SSH masters",
        t0.elapsed().as_secs_f64(),
    );
    assert_eq!(c2, code, "{}{}", out, err);
    assert_eq!(out, first);
    assert_eq!(masters(), kept, "the second run opened new connections");

    // known_hosts changed (a comment is enough): new masters, same answer.
    let known = format!("{}/known_hosts", LAB_STATE);
    let before = std::fs::read(&known).unwrap();
    let mut edited = before.clone();
    edited.extend_from_slice(b"# edited by tests/ssh_reuse.rs\n");
    std::fs::write(&known, &edited).unwrap();
    let (c3, out, err) = status(inv);
    std::fs::write(&known, &before).unwrap();
    assert_eq!(c3, code, "{}{}", out, err);
    let now = masters();
    assert!(
        now.difference(&kept).count() >= 3,
        "known_hosts changed but the old masters were reused: {:?} -> {:?}",
        kept,
        now
    );

    // A dead link behind a kept master: the master is dropped, the host
    // reported unreachable (not down), and the others still answered.
    let (c4, out, err) = status(inv);
    assert_eq!(c4, code, "{}{}", out, err);
    let live = masters();
    assert!(lab(&["link", "hostc", "down"]), "lab link hostc down");
    let (c5, out, err) = status(inv);
    assert!(lab(&["link", "hostc", "up"]), "lab link hostc up");
    assert_ne!(c5, Some(0), "{}{}", out, err);
    let hostc: Vec<&str> = out.lines().filter(|l| l.contains("hostc")).collect();
    assert!(
        !hostc.is_empty() && hostc.iter().all(|l| l.contains("unreachable")),
        "hostc is not shown unreachable:\n{}{}",
        out,
        err
    );
    assert!(
        out.lines()
            .filter(|l| l.contains("hosta"))
            .all(|l| !l.contains("unreachable")),
        "{}",
        out
    );
    assert!(
        eventually(10, || masters().len() < live.len()
            || !live.is_subset(&masters())),
        "the master over the dead link was not told to exit: {:?}",
        masters()
    );
    // The link is back: the next run reconnects and answers as before.
    assert!(
        eventually(30, || status(inv).0 == code),
        "status did not recover after the link came back"
    );

    // A keep directory others can write: a warning, fresh connections,
    // the same answer.
    let dir = keep_dir();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let (c6, out, err) = status(inv);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(c6, code, "{}{}", out, err);
    assert!(
        err.contains("warning: not keeping SSH connections open between runs:")
            && err.contains("is not a directory that only you can use"),
        "{}",
        err
    );

    // control_persist = 0: nothing left behind, and kept masters unused.
    let text = std::fs::read_to_string(root().join("inventories/lab.toml"))
        .unwrap()
        .replace("[ssh]\n", "[ssh]\ncontrol_persist = 0\n");
    let off = write_temp("ssh_reuse_off.toml", &text);
    let before = masters();
    let (c7, out, err) = status(path_str(&off));
    assert_eq!(c7, code, "{}{}", out, err);
    assert!(
        eventually(5, || masters().is_subset(&before)),
        "control_persist = 0 left a master: {:?} -> {:?}",
        before,
        masters()
    );
}
