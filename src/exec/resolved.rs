//! `ssh -G`'s answer remembered between runs, so that proving a kept SSH
//! master costs a few `stat`s instead of an ssh process per host.
//!
//! Measured on the lab (status on 3 hosts, kept masters): spawning
//! `ssh -G` took 5-9 ms per host and, three at once on 2 cores, was the
//! longest thing on `status`'s critical path (the probes themselves were
//! answered within ~14 ms). What `ssh -G` prints is a function of its
//! arguments, a few environment values, the ssh binary and the config
//! files it reads; all of those are the cache key or are checked on every
//! use, so an edited `~/.ssh/config` (or any file it Includes, or a new
//! file in an Include'd glob's directory) is honoured by the very next
//! run. A config whose answer depends on anything else (`Match exec`,
//! `Match localnetwork`, hostname canonicalisation, `${ENV}` expansion)
//! is never cached: ssh -G runs every time, as before.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The first line of a cache file; bump when the format or what is
/// checked changes, so old entries are misses.
const FORMAT: &str = "sparkctl ssh -G cache 1";

/// What `cmd` (an `ssh -G` command) prints, from the cache in `dir` when
/// nothing it depends on changed, else by running it (and remembering the
/// answer when that is safe). None when ssh -G fails.
pub async fn ssh_g(cmd: Command, config_file: Option<&Path>, dir: &Path) -> Option<String> {
    let key = cache_key(&cmd);
    let file = dir.join(format!("ssh-g-{}", key));
    let deps = dependencies(config_file);
    if let Some(deps) = &deps {
        if let Some(hit) = read_valid(&file, deps) {
            return Some(hit);
        }
    }
    let out = tokio::process::Command::from(cmd)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .await
        .ok()
        .filter(|o| o.status.success())?;
    let resolved = String::from_utf8_lossy(&out.stdout).into_owned();
    if let Some(deps) = &deps {
        write(dir, &file, deps, &resolved);
    }
    Some(resolved)
}

/// Everything outside the config files that changes what ssh -G prints:
/// its argv, the environment values it reads or expands (`%d`, `%u`,
/// `%l`, the agent), which ssh binary it is and which build of it.
fn cache_key(cmd: &Command) -> String {
    let mut parts: Vec<String> = vec![FORMAT.to_string()];
    parts.push(cmd.get_program().to_string_lossy().into_owned());
    parts.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    for var in ["HOME", "USER", "LOGNAME", "SSH_AUTH_SOCK", "PATH"] {
        parts.push(std::env::var(var).unwrap_or_default());
    }
    parts.push(
        std::fs::metadata("/proc/self")
            .map(|m| m.uid().to_string())
            .unwrap_or_default(),
    );
    parts.push(std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default());
    let ssh = which(&cmd.get_program().to_string_lossy());
    parts.push(stamp(&ssh));
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    crate::mux::key(&refs)
}

/// The file `Command::new(program)` runs: the first PATH entry holding it.
fn which(program: &str) -> PathBuf {
    if program.contains('/') {
        return PathBuf::from(program);
    }
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from(program))
}

/// What proves a file (or directory) unchanged: device, inode, size and
/// both times to the nanosecond ("absent" when it does not exist, so a
/// config created later is a change too).
fn stamp(path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(m) => format!(
            "{}:{}:{}:{}.{}:{}.{}",
            m.dev(),
            m.ino(),
            m.size(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec()
        ),
        Err(_) => "absent".to_string(),
    }
}

/// The files (and Include'd glob directories) ssh -G reads, with their
/// stamps, or None when the answer may depend on more than them.
fn dependencies(config_file: Option<&Path>) -> Option<Vec<(PathBuf, String)>> {
    let mut deps = Vec::new();
    let homes = homes();
    match config_file {
        // `-F`: only that file, read as a user config.
        Some(f) => {
            for h in &homes {
                scan(f, &h.join(".ssh"), h, &mut deps, 0)?;
            }
        }
        None => {
            for h in &homes {
                scan(&h.join(".ssh/config"), &h.join(".ssh"), h, &mut deps, 0)?;
            }
            let home = homes.first().cloned().unwrap_or_default();
            scan(
                Path::new("/etc/ssh/ssh_config"),
                Path::new("/etc/ssh"),
                &home,
                &mut deps,
                0,
            )?;
        }
    }
    deps.sort();
    deps.dedup();
    Some(deps)
}

/// The home directories ssh may take `~` to be: its own choice is the
/// passwd entry's, $HOME is what most people mean; when they differ both
/// are watched (a superset of files only costs a `stat`).
fn homes() -> Vec<PathBuf> {
    let mut v = Vec::new();
    let uid = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
    if let (Some(uid), Ok(passwd)) = (uid, std::fs::read_to_string("/etc/passwd")) {
        for line in passwd.lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() >= 6 && f[2].parse::<u32>().ok() == Some(uid) {
                v.push(PathBuf::from(f[5]));
                break;
            }
        }
    }
    if let Some(h) = std::env::var_os("HOME") {
        let h = PathBuf::from(h);
        if !v.contains(&h) {
            v.push(h);
        }
    }
    v
}

/// Record `path` and, if it exists, every file it Includes. None: this
/// config cannot be cached (see the module comment).
fn scan(
    path: &Path,
    base: &Path,
    home: &Path,
    deps: &mut Vec<(PathBuf, String)>,
    depth: usize,
) -> Option<()> {
    // ssh itself stops at 16 levels of Include.
    if depth > 16 || path.to_string_lossy().contains('\n') {
        return None;
    }
    deps.push((path.to_path_buf(), stamp(path)));
    let text = match std::fs::read(path) {
        Ok(t) => String::from_utf8_lossy(&t).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(()),
        Err(_) => return None,
    };
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.contains("${") {
            return None;
        }
        let (keyword, args) = split_keyword(line);
        match keyword.as_str() {
            "match" => {
                let l = args.to_ascii_lowercase();
                if l.contains("exec") || l.contains("localnetwork") {
                    return None;
                }
            }
            "canonicalizehostname" if !args.eq_ignore_ascii_case("no") => return None,
            "include" => {
                if args.contains('"') {
                    return None;
                }
                for pattern in args.split_whitespace() {
                    for file in include(pattern, base, home, deps)? {
                        scan(&file, base, home, deps, depth + 1)?;
                    }
                }
            }
            _ => {}
        }
    }
    Some(())
}

/// `Keyword args` or `Keyword=args`, the keyword lowercased.
fn split_keyword(line: &str) -> (String, &str) {
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let rest = line[end..].trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest).trim();
    (line[..end].to_ascii_lowercase(), rest)
}

/// The files an `Include` pattern names, as ssh expands it (`~`, relative
/// to `base`, a glob in the last component). A glob's directory is
/// recorded too: a file added there changes its stamp. None for globs
/// this does not expand exactly like ssh (a wildcard in a directory
/// component, or a bracket expression).
fn include(
    pattern: &str,
    base: &Path,
    home: &Path,
    deps: &mut Vec<(PathBuf, String)>,
) -> Option<Vec<PathBuf>> {
    let path = match pattern.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None if pattern.starts_with('/') => PathBuf::from(pattern),
        None => base.join(pattern),
    };
    let wild = |s: &str| s.contains(['*', '?', '[']);
    let name = path.file_name()?.to_string_lossy().into_owned();
    let parent = path.parent()?.to_path_buf();
    if wild(&parent.to_string_lossy()) || name.contains('[') {
        return None;
    }
    if !wild(&name) {
        return Some(vec![path]);
    }
    deps.push((parent.clone(), stamp(&parent)));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&parent)
        .map(|rd| {
            rd.flatten()
                .filter(|e| glob_match(&name, &e.file_name().to_string_lossy()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    Some(files)
}

/// `*` and `?` over one file name, as glob(3) does it (no leading dot
/// matched by a wildcard).
fn glob_match(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    fn m(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => m(&p[1..], n) || (!n.is_empty() && m(p, &n[1..])),
            (Some('?'), Some(_)) => m(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => m(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    m(&p, &n)
}

/// The cached answer in `file`, if it was made with exactly these
/// dependencies in exactly these states.
fn read_valid(file: &Path, deps: &[(PathBuf, String)]) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let (head, resolved) = text.split_once("\n--\n")?;
    let mut lines = head.lines();
    if lines.next()? != FORMAT {
        return None;
    }
    let recorded: Vec<&str> = lines.collect();
    let now: Vec<String> = deps
        .iter()
        .map(|(p, s)| format!("{}\t{}", s, p.display()))
        .collect();
    (recorded == now).then(|| resolved.to_string())
}

/// Remember `resolved` for these dependencies (write, then rename: a
/// concurrent run reads the old entry or the new one, never half).
fn write(dir: &Path, file: &Path, deps: &[(PathBuf, String)], resolved: &str) {
    // "Racy git": a file changed within the filesystem's timestamp tick
    // of this read could change again with the same stamp. Not cached
    // until its stamp is a couple of seconds old.
    let fresh = deps.iter().any(|(p, _)| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().map_or(true, |e| e.as_secs() < 2))
    });
    if fresh {
        return;
    }
    let mut text = String::from(FORMAT);
    for (p, s) in deps {
        text.push_str(&format!("\n{}\t{}", s, p.display()));
    }
    text.push_str("\n--\n");
    text.push_str(resolved);
    let tmp = dir.join(format!(
        ".ssh-g.{}.{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    if std::fs::write(&tmp, text).is_err() || std::fs::rename(&tmp, file).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("sparkctl-resolved-{}-{}", name, std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// A `Command` whose output changes each time it runs (a counter in a
    /// file): a hit returns the old text, a miss the new one.
    fn counting(dir: &Path, config: &Path) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg("n=$(cat \"$1\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$1\"; echo hostname run$n")
            .arg("sh")
            .arg(dir.join("count"))
            .arg(config);
        c
    }

    /// Write `text` and date the file (and its directory) 10 s back: the
    /// cache trusts only stamps older than the timestamp tick.
    fn aged_write(path: &Path, text: &str) {
        std::fs::write(path, text).unwrap();
        let past = std::time::SystemTime::now() - std::time::Duration::from_secs(10);
        for p in [path, path.parent().unwrap()] {
            std::fs::File::open(p).unwrap().set_modified(past).unwrap();
        }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_hit_until_the_config_or_an_included_file_changes() {
        let d = tmp("hit");
        let cache = d.join("cache");
        std::fs::create_dir(&cache).unwrap();
        let conf = d.join("config");
        std::fs::create_dir(d.join("conf.d")).unwrap();
        aged_write(&d.join("conf.d/.keep"), "");
        // The -F file's relative Includes are relative to ~/.ssh: use an
        // absolute pattern here so the test does not touch the real one.
        let conf_text = format!(
            "Include {}/conf.d/*.conf\nHost a\n  Port 2200\n",
            d.display()
        );
        aged_write(&conf, &conf_text);
        let run = |c: &Path| rt().block_on(ssh_g(counting(&d, c), Some(c), &cache));
        assert_eq!(run(&conf).as_deref(), Some("hostname run1\n"));
        assert_eq!(run(&conf).as_deref(), Some("hostname run1\n"), "a hit");
        // The config edited: a miss.
        aged_write(
            &conf,
            &(std::fs::read_to_string(&conf).unwrap() + "# edit\n"),
        );
        assert_eq!(run(&conf).as_deref(), Some("hostname run2\n"));
        assert_eq!(run(&conf).as_deref(), Some("hostname run2\n"));
        // A new file in the Include'd glob's directory: a miss.
        aged_write(&d.join("conf.d/x.conf"), "Host b\n");
        assert_eq!(run(&conf).as_deref(), Some("hostname run3\n"));
        assert_eq!(run(&conf).as_deref(), Some("hostname run3\n"));
        // That included file edited: a miss.
        aged_write(&d.join("conf.d/x.conf"), "Host b\n  User z\n");
        assert_eq!(run(&conf).as_deref(), Some("hostname run4\n"));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn configs_whose_answer_depends_on_more_are_never_cached() {
        for text in [
            "Match exec \"test -f /x\"\n  Port 1\n",
            "Match host a localnetwork 10.0.0.0/8\n",
            "CanonicalizeHostname yes\n",
            "Host a\n  IdentityFile ${KEY}\n",
            "Include /etc/*/x\n",
        ] {
            let d = tmp("never");
            let conf = d.join("config");
            aged_write(&conf, text);
            assert!(dependencies(Some(&conf)).is_none(), "{:?}", text);
            let cache = d.join("cache");
            std::fs::create_dir(&cache).unwrap();
            let run = || rt().block_on(ssh_g(counting(&d, &conf), Some(&conf), &cache));
            assert_eq!(run().as_deref(), Some("hostname run1\n"));
            assert_eq!(run().as_deref(), Some("hostname run2\n"), "{:?}", text);
            std::fs::remove_dir_all(&d).unwrap();
        }
        // Harmless Match criteria and an explicit "no" are cacheable.
        let d = tmp("fine");
        let conf = d.join("config");
        std::fs::write(&conf, "Match host a user b\nCanonicalizeHostname=no\n").unwrap();
        assert!(dependencies(Some(&conf)).is_some());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_missing_config_created_later_is_a_change() {
        let d = tmp("absent");
        let cache = d.join("cache");
        std::fs::create_dir(&cache).unwrap();
        let conf = d.join("config");
        let run = || rt().block_on(ssh_g(counting(&d, &conf), Some(&conf), &cache));
        assert_eq!(run().as_deref(), Some("hostname run1\n"));
        assert_eq!(run().as_deref(), Some("hostname run1\n"));
        aged_write(&conf, "Host a\n");
        assert_eq!(run().as_deref(), Some("hostname run2\n"));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_config_changed_just_now_is_not_trusted_yet() {
        let d = tmp("racy");
        let cache = d.join("cache");
        std::fs::create_dir(&cache).unwrap();
        let conf = d.join("config");
        std::fs::write(&conf, "Host a\n").unwrap();
        let run = || rt().block_on(ssh_g(counting(&d, &conf), Some(&conf), &cache));
        assert_eq!(run().as_deref(), Some("hostname run1\n"));
        assert_eq!(
            run().as_deref(),
            Some("hostname run2\n"),
            "not cached while fresh"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_failing_ssh_g_is_not_cached() {
        let d = tmp("fail");
        let conf = d.join("config");
        let mut c = Command::new("sh");
        c.arg("-c").arg("exit 255");
        assert_eq!(rt().block_on(ssh_g(c, Some(&conf), &d)), None);
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 0);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn globs_match_like_glob3() {
        assert!(glob_match("*.conf", "a.conf"));
        assert!(!glob_match("*.conf", ".a.conf"));
        assert!(!glob_match("*.conf", "a.conf~"));
        assert!(glob_match("x?", "xy"));
        assert!(!glob_match("x?", "x"));
        assert_eq!(split_keyword("Include=a b"), ("include".to_string(), "a b"));
        assert_eq!(
            split_keyword("Match  host x"),
            ("match".to_string(), "host x")
        );
    }
}
