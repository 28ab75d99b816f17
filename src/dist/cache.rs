//! The operator's cache: where it is, the sha256 of local files by
//! (path, size, mtime, inode), and the records of files verified against
//! the inventory's checksum (the same key plus ctime). Every write is
//! best effort: a cache that cannot be written only costs a re-hash.

use super::checksum::sha256_file;
use crate::inventory::Checksum;
use anyhow::Result;
use std::path::{Path, PathBuf};

/// Where sparkctl keeps downloads and the hash cache on the operator's machine.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("SPARKCTL_CACHE") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(d).join("sparkctl");
    }
    match std::env::var_os("HOME") {
        Some(h) => PathBuf::from(h).join(".cache/sparkctl"),
        None => std::env::temp_dir().join("sparkctl-cache"),
    }
}

/// Replace a cache file's lines, write then rename (best effort: a cache
/// that cannot be written only costs a re-hash next time).
fn write_cache_lines(file: &Path, lines: &[String]) {
    let _ = std::fs::create_dir_all(cache_dir());
    let tmp = file.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&tmp, lines.join("\n") + "\n").is_ok() {
        let _ = std::fs::rename(&tmp, file);
    }
}

/// Where the records of verified files live (next to the sha256 cache).
fn verified_file() -> PathBuf {
    cache_dir().join("verified.tsv")
}

/// What identifies a file's bytes without reading them: `stat_key`
/// (path, size, mtime, inode) plus ctime. ctime cannot be set back by a
/// user (`touch -d` sets mtime; any write or metadata change moves ctime),
/// so a file rewritten in place with its mtime restored is still hashed
/// again. Both keys come from one `stat`, so they describe the same file.
fn file_identity(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let (abs, m) = stat(path)?;
    Some(format!(
        "{}\t{}.{}",
        key_of(&abs, &m),
        m.ctime(),
        m.ctime_nsec()
    ))
}

/// The sha256 of `path` if it was verified against `want` and has not
/// changed since.
pub(super) fn verified_before(path: &Path, want: &Checksum) -> Option<String> {
    let id = file_identity(path)?;
    let prefix = format!("{}\t{}:{}\t", id, want.algo.name(), want.hex);
    let text = std::fs::read_to_string(verified_file()).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
}

/// Record that `path`, as it is now, matched `want` (best effort, like
/// `remember`; one line per path, the newest wins).
pub(super) fn remember_verified(path: &Path, want: &Checksum, sha256: &str) {
    let Some(id) = file_identity(path) else {
        return;
    };
    let path_field = format!("{}\t", id.split('\t').next().unwrap_or(""));
    let file = verified_file();
    let mut lines: Vec<String> = std::fs::read_to_string(&file)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with(&path_field))
        .map(str::to_string)
        .collect();
    lines.push(format!(
        "{}\t{}:{}\t{}",
        id,
        want.algo.name(),
        want.hex,
        sha256
    ));
    write_cache_lines(&file, &lines);
}

fn hash_cache_file() -> PathBuf {
    cache_dir().join("sha256.tsv")
}

/// The key of the sha256 cache: path, size, mtime and inode.
fn stat_key(path: &Path) -> Option<String> {
    stat(path).map(|(abs, m)| key_of(&abs, &m))
}

/// The file's canonical path (the keys' first field) and its metadata.
fn stat(path: &Path) -> Option<(PathBuf, std::fs::Metadata)> {
    let abs = std::fs::canonicalize(path).ok()?;
    let m = std::fs::metadata(&abs).ok()?;
    Some((abs, m))
}

fn key_of(abs: &Path, m: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!(
        "{}\t{}\t{}.{}\t{}",
        abs.display(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ino()
    )
}

/// sha256 of a local file, from the cache when size, mtime and inode still match.
pub(super) fn cached_sha256(path: &Path) -> Result<String> {
    if let Some(key) = stat_key(path) {
        if let Ok(text) = std::fs::read_to_string(hash_cache_file()) {
            for line in text.lines() {
                if let Some((k, h)) = line.rsplit_once('\t') {
                    if k == key {
                        return Ok(h.to_string());
                    }
                }
            }
        }
    }
    let h = sha256_file(path)?;
    remember(path, &h);
    Ok(h)
}

/// Best effort: a cache that cannot be written only costs a re-hash next time.
pub(super) fn remember(path: &Path, sha256: &str) {
    let Some(key) = stat_key(path) else { return };
    let file = hash_cache_file();
    let mut lines: Vec<String> = std::fs::read_to_string(&file)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with(&format!("{}\t", key.split('\t').next().unwrap_or(""))))
        .map(str::to_string)
        .collect();
    lines.push(format!("{}\t{}", key, sha256));
    write_cache_lines(&file, &lines);
}
