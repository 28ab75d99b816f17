//! Every shell script sparkctl sends to a host, one function per step, so
//! that tests/shell_values.rs runs all of them with hostile values. Each
//! script is POSIX sh, quotes every value with [`quote`](crate::shell::quote),
//! and is written so that a failure or a kill at any point leaves nothing
//! that a later run would take for complete: uploads and unpacks go to
//! temporary names and are renamed into place only after verification;
//! config files are written to temp files and renamed together.
//!
//! * `transfer.rs`: upload or host download, unpack, the `current` link;
//! * `files.rs`: config files and directories, written and read back;
//! * `daemons.rs`: start, stop, kill, pid checks, log tails;
//! * `logs.rs`: `sparkctl logs`: a daemon's newest log, shown or followed;
//! * `facts.rs`: the one probe per host (`facts::parse` reads its output);
//! * `guard.rs`: `safe_path`, the host half of the ownership rule;
//! * `lock.rs`: taking and releasing the cluster's lock;
//! * `members.rs`: writing the membership record (read by `facts.rs`);
//! * `prune.rs`: keeping the current and the previous tree, removing older;
//! * `uninstall.rs`: removing sparkctl's trees, links and state (and data);
//! * `inspect.rs`: read-only questions (zkCli, the hosts' secret, ports).
//!
//! Parsers of what the scripts print stay with the types they fill
//! (`facts`, `lock`), except [`parse_read_files`], which only this reads,
//! and [`tagged`], the one reader of a script's `@tag value` lines.

mod daemons;
mod election;
pub mod facts;
mod files;
mod guard;
mod inspect;
pub mod lock;
mod logs;
mod members;
mod prune;
#[cfg(test)]
mod test_sh;
mod transfer;
mod uninstall;

use crate::shell::quote;
pub use daemons::{
    daemon_alive, daemon_cmdline, decommission_worker, executable, find_pid, kill_daemon, log_tail,
    mesos_library, pid_is_daemon, read_pid, spark_submit, start, start_command, stop, Launch,
    MESOS_LIBRARY_PATHS,
};
pub use election::{parse_zkcli_ls, zkcli_delete, zkcli_ls};
pub use files::{
    parse_read_files, read_files, read_files_as, secret_input, user_dir_holds, write_files,
};
pub use guard::SAFE_PATH;
pub use inspect::{port_listening, read_secret_command};
pub use logs::{log_file, log_follow, log_show, NO_LOG};
pub use members::{members_file, write_members};
pub use prune::{prune, PREVIOUS};
pub use transfer::{fetch, install, link, upload, upload_jar};
pub use uninstall::uninstall;

/// The values of the `@TAG value` lines `stdout` holds, in order: what
/// follows `@`, `tag` and one space, verbatim (untrimmed: a membership
/// record's tabs are its field separators). Scripts print a result per
/// line this way (`@pruned PATH`, `@removed PATH`, `@member RECORD`), so
/// a caller counts what happened by tags, never by wording, and other
/// output (a tool's chatter) is ignored.
pub fn tagged<'a>(stdout: &'a str, tag: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    stdout
        .lines()
        .filter_map(move |l| l.strip_prefix('@')?.strip_prefix(tag)?.strip_prefix(' '))
}

/// Run `script` as `user` from a root shell: runuser (util-linux) where it
/// exists, else su, which every Linux has. The daemon inherits the
/// exported environment either way (neither is given `-` / `-l`).
pub fn as_user(user: &str, script: &str) -> String {
    format!(
        "if command -v runuser >/dev/null 2>&1; then runuser -u {u} -- sh -c {s}; else su -s /bin/sh -c {s} {u}; fi\n",
        u = quote(user),
        s = quote(script)
    )
}

#[cfg(test)]
mod tests {
    use super::tagged;

    #[test]
    fn tagged_reads_only_its_tag_verbatim() {
        let out = "@pruned /opt/a\nchatter\n@prunedx /opt/b\n@pruned\n @pruned /c\n@removed /d\n@pruned  two\tfields \n@member \n";
        assert_eq!(
            tagged(out, "pruned").collect::<Vec<_>>(),
            vec!["/opt/a", " two\tfields "]
        );
        assert_eq!(tagged(out, "removed").collect::<Vec<_>>(), vec!["/d"]);
        // An empty record is a record.
        assert_eq!(tagged(out, "member").collect::<Vec<_>>(), vec![""]);
        assert_eq!(tagged("", "pruned").count(), 0);
    }
}
