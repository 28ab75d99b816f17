//! Build-time facts for `sparkctl --version` and `sparkctl version`: the
//! git commit the binary was built from (`SPARKCTL_COMMIT`). Without git or
//! outside a checkout (a source tarball, a vendored copy) it is "unknown":
//! the build never fails for want of git.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=SPARKCTL_COMMIT={}", commit);
    println!("cargo:rerun-if-changed=build.rs");
    // Rebuild when HEAD moves: HEAD itself (a checkout), the branch it points
    // to (a commit) and packed-refs. `--git-path` also finds them in a
    // worktree, whose `.git` is a file. Only paths that exist are named:
    // cargo reruns the script every build for a missing one.
    let mut paths = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(r) = git(&["symbolic-ref", "-q", "HEAD"]) {
        paths.push(r);
    }
    for p in paths {
        if let Some(f) = git(&["rev-parse", "--git-path", &p]) {
            if Path::new(&f).exists() {
                println!("cargo:rerun-if-changed={}", f);
            }
        }
    }
}
