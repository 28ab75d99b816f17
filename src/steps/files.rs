//! Config files on a host: written to temp names and renamed together,
//! directories created and handed to the service user behind the
//! [`SAFE_PATH`](super::SAFE_PATH) guard, the secret file sent on standard
//! input; and read back exactly for the dry run's diffs.

use super::as_user;
use crate::render::ConfigFile;
use crate::shell::{heredoc_delimiter, quote};

/// Create directories, write every file to a temp name, then rename them all.
/// A kill before the renames leaves only `*.sparkctl-tmp` files, never a
/// half-written config in use.
///
/// `owner` (the service user) gets the directories the daemons write to
/// (`mkdirs`: logs, pids, work and data dirs), mode 0750, and the secret
/// file. A file marked `secret` is not in the script at all (a script is a
/// command line, visible in `ps` and in sudo's log): its content is read
/// from standard input, see [`secret_input`]; at most one per call.
pub fn write_files(mkdirs: &[String], files: &[ConfigFile], owner: Option<&str>) -> String {
    let mut s = String::from("set -e\numask 022\n");
    // Only directories the ownership rule allows are re-owned or re-moded
    // (validation refuses the rest with their location; the rule is
    // applied again here so that no caller can make root re-own /usr/bin).
    // A shared scratch directory (`local_dirs = "/tmp"`) is only created.
    let owned: Vec<String> = mkdirs
        .iter()
        .filter(|d| crate::ownership::may_own(d))
        .map(|d| quote(crate::ownership::normalize(d)))
        .collect();
    let list = owned.join(" ");
    if let (Some(u), false) = (owner, owned.is_empty()) {
        // Before anything is created: every directory on the way to one the
        // service user gets must be root's alone (see `ownership`). Then
        // only root can rename or replace that directory, so the `-L` test
        // and the chmod below name the same directory (no race), and the
        // user controls only what is inside it.
        s.push_str(super::SAFE_PATH);
        s.push_str(&format!(
            "for d in {list}; do\n  safe_path \"$d\" || {{ echo \"refusing to give $d to the service user {u}: $why\" >&2; exit 7; }}\ndone\n",
            list = list,
            u = u.replace(['"', '$', '`', '\\'], "")
        ));
    }
    let mut dirs: Vec<String> = mkdirs.to_vec();
    for f in files {
        if let Some((dir, _)) = f.path.rsplit_once('/') {
            dirs.push(dir.to_string());
        }
    }
    dirs.sort();
    dirs.dedup();
    if !dirs.is_empty() {
        s.push_str(&format!(
            "mkdir -p {}\n",
            dirs.iter().map(|d| quote(d)).collect::<Vec<_>>().join(" ")
        ));
    }
    if !owned.is_empty() {
        match owner {
            // What the user controls, the directory's contents, root
            // touches only with -h and find's default -P (never following
            // a symlink). A directory that is a symlink (only root can have
            // made it) is left alone. A tree changes hands only when
            // something in it belongs to someone else (first run, run_as
            // just set, or a daemon once run as root wrote there): a no-op
            // re-run changes nothing.
            Some(u) => s.push_str(&format!(
                "g=$(id -g {u})\nfor d in {list}; do\n  [ -L \"$d\" ] && continue\n  [ -z \"$(find \"$d\" ! -user {u} -print | head -n 1)\" ] || chown -hR {u}:\"$g\" \"$d\"\n  chmod 0750 \"$d\"\ndone\n",
                u = quote(u),
                list = list
            )),
            // Data dirs (ZooKeeper's snapshots among them) are never world-writable.
            None => s.push_str(&format!(
                "for d in {}; do if [ ! -L \"$d\" ]; then chmod go-w \"$d\"; fi; done\n",
                list
            )),
        }
    }
    for f in files {
        let tmp = quote(&format!("{}.sparkctl-tmp", f.path));
        if f.secret {
            s.push_str(&format!("(umask 077; cat > {})\n", tmp));
            if let Some(u) = owner {
                s.push_str(&format!("chown {} {}\n", quote(u), tmp));
            }
            s.push_str(&format!("chmod 0600 {}\n", tmp));
            continue;
        }
        let delim = heredoc_delimiter(&f.content);
        let write = format!("cat > {} <<'{}'\n{}{}\n", tmp, delim, f.content, delim);
        // A file inside a directory the service user owns (ZooKeeper's
        // myid) is written by that user: root writing or chowning there
        // would follow any symlink the user (or application code running
        // as it) planted, e.g. to /etc/shadow.
        match (owner, user_dir_holds(mkdirs, &f.path)) {
            (Some(u), true) => {
                s.push_str(&as_user(u, &format!("umask 022\nrm -f {}\n{}", tmp, write)))
            }
            _ => s.push_str(&write),
        }
    }
    for f in files {
        let mv = format!(
            "mv -f {} {}\n",
            quote(&format!("{}.sparkctl-tmp", f.path)),
            quote(&f.path)
        );
        match (owner, !f.secret && user_dir_holds(mkdirs, &f.path)) {
            (Some(u), true) => s.push_str(&as_user(u, &mv)),
            _ => s.push_str(&mv),
        }
    }
    s
}

/// Whether `path` lies in one of `mkdirs` that [`write_files`] hands to the
/// service user (the Rust twin of its `own` shell function).
pub fn user_dir_holds(mkdirs: &[String], path: &str) -> bool {
    mkdirs.iter().any(|d| {
        let d = crate::ownership::normalize(d);
        crate::ownership::may_own(d) && crate::ownership::under(path, d) && path != d
    })
}

/// What [`write_files`] must be given on standard input: the content of
/// the secret file among `files`, if any.
pub fn secret_input(files: &[ConfigFile]) -> Option<Vec<u8>> {
    let secret: Vec<&ConfigFile> = files.iter().filter(|f| f.secret).collect();
    assert!(
        secret.len() <= 1,
        "write_files takes one secret file per call"
    );
    secret.first().map(|f| f.content.as_bytes().to_vec())
}

/// Print files, each preceded by its size in bytes, exactly (for dry-run
/// diffs). Sizes, not end markers: a file may contain any line.
pub fn read_files(paths: &[&str]) -> String {
    let list: Vec<String> = paths.iter().map(|p| quote(p)).collect();
    format!(
        "for f in {}; do echo \"@@sparkctl-file@@ $(wc -c < \"$f\") $f\"; cat \"$f\"; done\n",
        list.join(" ")
    )
}

/// [`read_files`], with the files inside the service user's directories
/// (`mkdirs`, as for [`write_files`]; ZooKeeper's `myid`) read as that
/// user: root would follow a symlink planted there into a root-only file
/// and print it in the diff. The output parses with [`parse_read_files`].
pub fn read_files_as(paths: &[&str], mkdirs: &[String], run_as: Option<&str>) -> String {
    let (users, roots): (Vec<&str>, Vec<&str>) = paths
        .iter()
        .partition(|p| run_as.is_some() && user_dir_holds(mkdirs, p));
    let mut s = String::new();
    if !roots.is_empty() {
        s.push_str(&read_files(&roots));
    }
    if let (Some(u), false) = (run_as, users.is_empty()) {
        s.push_str(&as_user(u, &read_files(&users)));
    }
    s
}

pub fn parse_read_files(out: &str) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut rest = out;
    while let Some(start) = rest.find("@@sparkctl-file@@ ") {
        let after = &rest[start + "@@sparkctl-file@@ ".len()..];
        let Some((header, body)) = after.split_once('\n') else {
            break;
        };
        let Some((n, path)) = header.trim_start().split_once(' ') else {
            break;
        };
        let Ok(n) = n.parse::<usize>() else { break };
        let Some(content) = body.get(..n) else { break };
        files.push((path.to_string(), content.to_string()));
        rest = &body[n..];
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::test_sh::{run, tmpdir};

    #[test]
    fn write_files_is_exact_for_hostile_content() {
        let d = tmpdir("write");
        let content = "a 'quoted' $HOME `id` \\ line\nSPARKCTL_EOF_0\nend\n".to_string();
        let f = ConfigFile {
            path: format!("{}/conf/x.conf", d),
            content: content.clone(),
            template: "x",
            readers: vec![],
            secret: false,
        };
        let out = run(&write_files(&[format!("{}/logs", d)], &[f], None));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(format!("{}/conf/x.conf", d)).unwrap(),
            content
        );
        assert!(std::path::Path::new(&format!("{}/logs", d)).is_dir());
        assert!(!std::path::Path::new(&format!("{}/conf/x.conf.sparkctl-tmp", d)).exists());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn secret_file_comes_from_stdin_with_mode_0600() {
        use std::io::Write;
        use std::os::unix::fs::PermissionsExt;
        let d = tmpdir("secret");
        let f = ConfigFile {
            path: format!("{}/state/daemon.conf", d),
            content: "spark.authenticate.secret s3cr3t\n".into(),
            template: "x",
            readers: vec![],
            secret: true,
        };
        let script = write_files(&[], std::slice::from_ref(&f), None);
        assert!(!script.contains("s3cr3t"), "the secret is in the script");
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(&secret_input(std::slice::from_ref(&f)).unwrap())
            .unwrap();
        assert!(child.wait().unwrap().success());
        assert_eq!(std::fs::read_to_string(&f.path).unwrap(), f.content);
        let mode = std::fs::metadata(&f.path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn shared_directories_keep_their_mode() {
        use std::os::unix::fs::PermissionsExt;
        let d = tmpdir("shared");
        let data = format!("{}/data", d);
        std::fs::create_dir_all(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o777)).unwrap();
        let tmp_before = std::fs::metadata("/tmp").unwrap().permissions().mode();
        let out = run(&write_files(
            &["/tmp".into(), "/tmp/".into(), data.clone()],
            &[],
            None,
        ));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::metadata("/tmp").unwrap().permissions().mode(),
            tmp_before
        );
        // A data dir of its own is never world-writable.
        let mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn read_files_is_exact() {
        let d = tmpdir("read");
        std::fs::create_dir_all(&d).unwrap();
        let (a, b) = (format!("{}/a", d), format!("{}/b", d));
        std::fs::write(&a, "x\ny\n").unwrap();
        std::fs::write(&b, "no newline").unwrap();
        let out = run(&read_files(&[&a, &b]));
        let got = parse_read_files(&String::from_utf8_lossy(&out.stdout));
        assert_eq!(
            got,
            vec![(a, "x\ny\n".to_string()), (b, "no newline".to_string())]
        );
        std::fs::remove_dir_all(&d).unwrap();
    }
}
