//! Hashing tarballs and checking them against the inventory's checksum.

use super::cache::{remember, remember_verified};
use crate::diag::UsageError;
use crate::inventory::{Checksum, HashAlgo};
use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256, Sha512};
use std::io::Read;
use std::path::Path;

/// Check `path` against `want`; returns the file's sha256 (computed in the same pass).
pub(super) fn verify(path: &Path, want: &Checksum, key: &str) -> Result<String> {
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

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{:02x}", b)).collect()
}
