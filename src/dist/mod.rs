//! Distribution tarballs on the operator's machine: find or download them,
//! verify checksums, and know what they are (name, version) before anything
//! is sent to a host.
//!
//! A URL is downloaded once into the local cache (`~/.cache/sparkctl`) under
//! a temporary name, verified, then renamed: a half download is never used.
//! The sha256 of a local file is remembered by (path, size, mtime) so a no-op
//! re-deploy does not re-hash 450 MB.
//!
//! This module resolves a source to a [`LocalDist`]; `name` reads tarball
//! names, `checksum` hashes and verifies, `download` fetches URLs and
//! `cache` keeps the hash cache and the records of verified files.

use crate::diag::UsageError;
use crate::inventory::{Checksum, HashAlgo, Source};
use anyhow::{bail, Result};
use std::path::PathBuf;

mod cache;
mod checksum;
mod download;
mod name;

pub use cache::cache_dir;
use cache::{cached_sha256, verified_before};
use checksum::verify;
pub use checksum::{hash_file, sha256_file};
use download::download;
pub use name::{check_name, source_file_name, tarball_name, url_file_name, Named, Version};

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
