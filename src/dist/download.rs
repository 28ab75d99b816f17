//! URL sources: downloaded once into the cache under a temporary name,
//! verified, then renamed.

use super::cache::{cache_dir, remember_verified};
use super::checksum::verify;
use super::url_file_name;
use crate::diag::UsageError;
use crate::inventory::Checksum;
use anyhow::{anyhow, bail, Context, Result};
use std::path::PathBuf;

/// Download `url` into the cache unless a verified copy is there already.
/// Uses the operator's `curl`: it brings TLS, proxies and retries that a
/// deploy tool should not reimplement.
pub(super) fn download(url: &str, checksum: &Checksum, key: &str) -> Result<PathBuf> {
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
        if !crate::progress::quiet() {
            eprintln!("downloading {}", url);
        }
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
