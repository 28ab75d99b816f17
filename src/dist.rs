//! Distribution tarballs on the operator's machine: find or download them,
//! verify checksums, and know what they are (name, version) before anything
//! is sent to a host.
//!
//! A URL is downloaded once into the local cache (`~/.cache/sparkctl`) under
//! a temporary name, verified, then renamed: a half download is never used.
//! The sha256 of a local file is remembered by (path, size, mtime) so a no-op
//! re-deploy does not re-hash 450 MB.

use crate::diag::UsageError;
use crate::inventory::{Checksum, HashAlgo, Source};
use anyhow::{anyhow, bail, Context, Result};
use sha2::{Digest, Sha256, Sha512};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Which product a tarball holds; decides layout checks and names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Product {
    Spark,
    ZooKeeper,
}

impl Product {
    pub fn label(self) -> &'static str {
        match self {
            Product::Spark => "Spark",
            Product::ZooKeeper => "ZooKeeper",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl Version {
    /// First `N.N[.N]` in `s` (e.g. "spark-3.5.1-bin-hadoop3" -> 3.5.1).
    pub fn find_in(s: &str) -> Option<Version> {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
                let rest = &s[i..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .unwrap_or(rest.len());
                let parts: Vec<&str> = rest[..end].trim_end_matches('.').split('.').collect();
                if parts.len() >= 2 {
                    let n = |k: usize| parts.get(k).and_then(|p| p.parse().ok());
                    if let (Some(major), Some(minor)) = (n(0), n(1)) {
                        return Some(Version {
                            major,
                            minor,
                            patch: n(2).unwrap_or(0),
                        });
                    }
                }
                i += end.max(1);
            } else {
                i += 1;
            }
        }
        None
    }
}

/// A verified tarball ready to be pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalDist {
    pub product: Product,
    pub path: PathBuf,
    /// `spark-4.3.0-bin-hadoop3.tgz`
    pub file_name: String,
    /// `spark-4.3.0-bin-hadoop3`: the versioned directory on hosts.
    pub dir_name: String,
    pub version: Option<Version>,
    /// Bytes; 0 when hosts fetch the tarball themselves (unknown here).
    pub size: u64,
    /// The sha256 hex, or for a host-fetched tarball given only a sha512,
    /// `sha512:<hex>` (see `host_identity`).
    pub sha256: String,
    pub compression: Compression,
    /// `fetch = "hosts"`: each host downloads and verifies it; `path` is then
    /// only the file name and nothing is pushed from the operator.
    pub fetch: Option<HostFetch>,
}

/// A tarball each host downloads itself (`fetch = "hosts"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFetch {
    pub url: String,
    /// Verified on the host before the download is renamed into place.
    pub checksum: Checksum,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
}

/// Split a tarball file name into its directory name and compression.
pub fn tarball_name(file_name: &str) -> Option<(String, Compression)> {
    for (ext, c) in [
        (".tar.gz", Compression::Gzip),
        (".tgz", Compression::Gzip),
        (".tar", Compression::None),
    ] {
        if let Some(stem) = file_name.strip_suffix(ext) {
            if !stem.is_empty() {
                return Some((stem.to_string(), c));
            }
        }
    }
    None
}

/// The file name a URL gives its tarball: the last segment of its path,
/// without `?query` or `#fragment` (`.../spark-4.3.0-bin-hadoop3.tgz?x=1`
/// -> `spark-4.3.0-bin-hadoop3.tgz`). Used for the download's name in the
/// cache, the upload's name on the hosts and the unpacked tree's name.
pub fn url_file_name(url: &str) -> &str {
    let path = url.split(['?', '#']).next().unwrap_or("");
    path.rsplit('/').next().unwrap_or("")
}

/// The tarball's file name as a source names it (nothing is read).
pub fn source_file_name(source: &Source) -> String {
    match source {
        Source::Path { path, .. } => path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        Source::Url { url, .. } | Source::HostUrl { url, .. } => url_file_name(url).to_string(),
    }
}

/// What a tarball's name says, once it has passed [`check_name`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub dir_name: String,
    pub compression: Compression,
    pub version: Option<Version>,
}

/// The rules a tarball's file name must follow, the same for `check` (the
/// inventory's validation, which locates the error) and for `deploy`
/// (`resolve`, on the real file): a known extension; a name made of
/// characters that are safe in the hosts' paths and scripts (it becomes the
/// unpacked tree's directory); and for ZooKeeper a version, without which
/// the preflight cannot tell which Java it needs. Err: (message, help).
pub fn check_name(
    product: Product,
    file_name: &str,
) -> std::result::Result<Named, (String, String)> {
    // Control characters escaped (a newline would break the message),
    // quotes and the rest as they are.
    let visible = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_debug().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    };
    let shown = visible(file_name);
    let example = match product {
        Product::Spark => "spark-4.3.0-bin-hadoop3.tgz",
        Product::ZooKeeper => "apache-zookeeper-3.8.4-bin.tar.gz",
    };
    let Some((dir_name, compression)) = tarball_name(file_name) else {
        return Err((
            format!(
                "{} tarball `{}` is not a .tgz, .tar.gz or .tar file",
                product.label(),
                shown
            ),
            format!(
                "sparkctl unpacks tar archives (gzip-compressed or not): use the release's .tgz or .tar.gz, like {}",
                example
            ),
        ));
    };
    if let Some(c) = dir_name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._+-".contains(*c)))
    {
        return Err((
            format!(
                "{} tarball name `{}` contains `{}`",
                product.label(),
                shown,
                visible(&c.to_string())
            ),
            format!(
                "the name becomes a directory on the hosts and appears in their scripts: rename the file to letters, digits and . _ + - only, like {}",
                example
            ),
        ));
    }
    let version = Version::find_in(&dir_name);
    if product == Product::ZooKeeper && version.is_none() {
        return Err((
            format!(
                "cannot read the ZooKeeper version from the tarball name `{}`",
                shown
            ),
            "name the file as Apache does, apache-zookeeper-X.Y.Z-bin.tar.gz (or zookeeper-X.Y.Z-bin.tar.gz): the version decides the Java the hosts need".into(),
        ));
    }
    Ok(Named {
        dir_name,
        compression,
        version,
    })
}

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

/// Resolve a source to a verified local file. `key` names the inventory key
/// for messages (e.g. "[spark] tarball in inv.toml").
pub fn resolve(product: Product, source: &Source, key: &str) -> Result<LocalDist> {
    resolve_with(product, source, key, Reverify::No)
}

/// Whether a file already verified against the inventory's checksum is
/// hashed again (`deploy --verify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reverify {
    /// Trust the record of an earlier verification while the file is
    /// unchanged (see `verified_before`).
    No,
    /// Read every byte again.
    Yes,
}

/// `resolve`, saying whether earlier verifications count.
pub fn resolve_with(
    product: Product,
    source: &Source,
    key: &str,
    reverify: Reverify,
) -> Result<LocalDist> {
    if let Source::HostUrl { url, checksum } = source {
        return host_fetched(product, url, checksum, key);
    }
    // The name first: a bad one is refused before anything is read or downloaded.
    // It is the inventory's (the path's, or the URL's without its query),
    // which is also the cache file's.
    let file_name = source_file_name(source);
    let Named {
        dir_name,
        compression,
        version,
    } = named(product, &file_name, key)?;
    let (path, checksum) = match source {
        Source::Path { path, checksum } => {
            let meta = std::fs::metadata(path).map_err(|e| {
                UsageError(format!(
                    "error: {} tarball {} cannot be read: {}\n  = note: set by {}\n  = help: build or download the distribution, or fix the path",
                    product.label(),
                    path.display(),
                    e,
                    key
                ))
            })?;
            if !meta.is_file() {
                bail!(UsageError(format!(
                    "error: {} tarball {} is not a file (set by {})",
                    product.label(),
                    path.display(),
                    key
                )));
            }
            (path.clone(), checksum.clone())
        }
        Source::Url { url, checksum } => (download(url, checksum, key)?, Some(checksum.clone())),
        Source::HostUrl { .. } => unreachable!("handled above"),
    };
    let size = std::fs::metadata(&path)?.len();
    let sha256 = match &checksum {
        // A user-given checksum is checked against the bytes once; after
        // that, a record that this very file (see `file_identity`) matched
        // this very checksum stands for it, until the file changes or
        // `--verify` asks again. A no-op deploy of a 301 MiB download
        // spent 1.3 s re-hashing it before this.
        Some(c) => match verified_before(&path, c).filter(|_| reverify == Reverify::No) {
            Some(sha256) => sha256,
            None => verify(&path, c, key)?,
        },
        None => cached_sha256(&path)?,
    };
    Ok(LocalDist {
        product,
        version,
        path,
        file_name,
        dir_name,
        size,
        sha256,
        compression,
        fetch: None,
    })
}

/// `fetch = "hosts"`: nothing is downloaded here (the operator may not even
/// reach the URL); name, version and layout come from the URL's file name,
/// the identity from the inventory's checksum. The size is unknown until a
/// host has downloaded it, so it is 0 (see `LocalDist::size`).
fn host_fetched(product: Product, url: &str, checksum: &Checksum, key: &str) -> Result<LocalDist> {
    let file_name = url_file_name(url).to_string();
    let Named {
        dir_name,
        compression,
        version,
    } = named(product, &file_name, key)?;
    Ok(LocalDist {
        product,
        version,
        path: PathBuf::from(&file_name),
        file_name,
        dir_name,
        size: 0,
        sha256: host_identity(checksum),
        compression,
        fetch: Some(HostFetch {
            url: url.to_string(),
            checksum: checksum.clone(),
        }),
    })
}

/// [`check_name`] for `resolve`: the inventory's validation has refused a
/// bad name already, with its location; this is the same rule, kept for
/// callers that build a `Source` themselves.
fn named(product: Product, file_name: &str, key: &str) -> Result<Named> {
    check_name(product, file_name).map_err(|(msg, help)| {
        UsageError(format!(
            "error: {}\n  = note: set by {}\n  = help: {}",
            msg, key, help
        ))
        .into()
    })
}

/// What a host-fetched tarball is known by (its stamp on the host, the plan's
/// "installed?" test, daemon fingerprints): the sha256 when the inventory
/// gives one, so switching between push and host fetch changes nothing on
/// the hosts; else `sha512:<hex>`, which can never equal a sha256 stamp.
pub fn host_identity(c: &Checksum) -> String {
    match c.algo {
        HashAlgo::Sha256 => c.hex.clone(),
        HashAlgo::Sha512 => format!("sha512:{}", c.hex),
    }
}

/// Check `path` against `want`; returns the file's sha256 (computed in the same pass).
fn verify(path: &Path, want: &Checksum, key: &str) -> Result<String> {
    let (sha256, sha512) = hash_file(path)?;
    let got = match want.algo {
        HashAlgo::Sha256 => &sha256,
        HashAlgo::Sha512 => &sha512,
    };
    if *got != want.hex {
        bail!(UsageError(format!(
            "error: checksum mismatch for {}\n  = expected {} {}\n  =      got {} {}\n  = note: checksum set by {}\n  = help: the file is corrupt or not the release you meant; delete it and download it again",
            path.display(),
            want.algo.name(),
            want.hex,
            want.algo.name(),
            got,
            key
        )));
    }
    remember(path, &sha256);
    remember_verified(path, want, &sha256);
    Ok(sha256)
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

/// What identifies a file's bytes without reading them: path, size,
/// inode, mtime and ctime. ctime cannot be set back by a user (`touch -d`
/// sets mtime; any write or metadata change moves ctime), so a file
/// rewritten in place with its mtime restored is still hashed again.
fn file_identity(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let abs = std::fs::canonicalize(path).ok()?;
    let m = std::fs::metadata(&abs).ok()?;
    Some(format!(
        "{}\t{}\t{}\t{}.{}\t{}.{}",
        abs.display(),
        m.size(),
        m.ino(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec()
    ))
}

/// The sha256 of `path` if it was verified against `want` and has not
/// changed since.
fn verified_before(path: &Path, want: &Checksum) -> Option<String> {
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
fn remember_verified(path: &Path, want: &Checksum, sha256: &str) {
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

/// sha256 and sha512 of a file in one read.
pub fn hash_file(path: &Path) -> Result<(String, String)> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let (mut a, mut b) = (Sha256::new(), Sha512::new());
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        a.update(&buf[..n]);
        b.update(&buf[..n]);
    }
    Ok((hex(&a.finalize()), hex(&b.finalize())))
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{:02x}", b)).collect()
}

fn hash_cache_file() -> PathBuf {
    cache_dir().join("sha256.tsv")
}

fn stat_key(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let abs = std::fs::canonicalize(path).ok()?;
    let m = std::fs::metadata(&abs).ok()?;
    Some(format!(
        "{}\t{}\t{}.{}\t{}",
        abs.display(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ino()
    ))
}

/// sha256 of a local file, from the cache when size, mtime and inode still match.
fn cached_sha256(path: &Path) -> Result<String> {
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
fn remember(path: &Path, sha256: &str) {
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

/// Download `url` into the cache unless a verified copy is there already.
/// Uses the operator's `curl`: it brings TLS, proxies and retries that a
/// deploy tool should not reimplement.
fn download(url: &str, checksum: &Checksum, key: &str) -> Result<PathBuf> {
    let name = Some(url_file_name(url))
        .filter(|n| !n.is_empty())
        .ok_or_else(|| anyhow!("URL {} has no file name", url))?;
    let dir = cache_dir().join("downloads").join(&checksum.hex[..16]);
    let dest = dir.join(name);
    if dest.is_file() {
        // Verified when it was stored; the caller checks it again unless
        // it is unchanged since (`verified_before`).
        return Ok(dest);
    }
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create cache directory {}", dir.display()))?;
    let part = dir.join(format!(".{}.part{}", name, std::process::id()));
    if let Some(local) = url
        .strip_prefix("file://")
        .and_then(|u| u.split(['?', '#']).next())
    {
        std::fs::copy(local, &part).map_err(|e| {
            UsageError(format!(
                "error: cannot read {} (set by {}): {}",
                url, key, e
            ))
        })?;
    } else {
        eprintln!("downloading {}", url);
        let out = std::process::Command::new("curl")
            .args(["-fSL", "--retry", "3", "--connect-timeout", "20", "-o"])
            .arg(&part)
            .arg(url)
            .output()
            .map_err(|e| anyhow!("cannot run curl to download {}: {}", url, e))?;
        if !out.status.success() {
            let _ = std::fs::remove_file(&part);
            bail!(UsageError(format!(
                "error: download of {} failed (set by {}): {}",
                url,
                key,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
    }
    let sha256 = match verify(&part, checksum, key) {
        Ok(h) => h,
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            return Err(e);
        }
    };
    std::fs::rename(&part, &dest)?;
    // Recorded under the final name (a rename moves ctime too), so the
    // next run trusts the download without reading it again.
    remember_verified(&dest, checksum, &sha256);
    Ok(dest)
}

impl LocalDist {
    /// What a tarball would be, from its name alone, without reading it:
    /// for `plan`-level tests and golden files (sha256 is unknown).
    /// `None` when the name breaks [`check_name`]'s rules (which the
    /// inventory's validation enforces).
    pub fn assumed(product: Product, source: &Source) -> Option<LocalDist> {
        let file_name = source_file_name(source);
        let path = match source {
            Source::Path { path, .. } => path.clone(),
            Source::Url { .. } | Source::HostUrl { .. } => PathBuf::from(&file_name),
        };
        let Named {
            dir_name,
            compression,
            version,
        } = check_name(product, &file_name).ok()?;
        Some(LocalDist {
            product,
            version,
            path,
            file_name,
            dir_name,
            size: 0,
            sha256: "0".repeat(64),
            compression,
            fetch: match source {
                Source::HostUrl { url, checksum } => Some(HostFetch {
                    url: url.clone(),
                    checksum: checksum.clone(),
                }),
                _ => None,
            },
        })
    }
}

#[cfg(test)]
mod tests;
