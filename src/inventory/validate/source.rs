//! Where the tarballs come from: `tarball` or `url` with a checksum, and
//! `fetch`; the file name is checked by the same rules `deploy` applies.

use super::values::expand_home;
use super::Errors;
use crate::inventory::locate::Seg;
use crate::inventory::{Checksum, HashAlgo, Source};
use crate::path;
use std::path::Path;

pub(super) fn resolve_source(
    e: &mut Errors,
    table: &str,
    base: &Path,
    tarball: &Option<String>,
    url: &Option<String>,
    sha256: &Option<String>,
    sha512: &Option<String>,
) -> Option<Source> {
    let checksum = match (sha256, sha512) {
        (Some(_), Some(_)) => {
            e.add(
                path![table, "sha512"],
                "set either `sha256` or `sha512`, not both",
            );
            None
        }
        (Some(h), None) => check_hex(e, path![table, "sha256"], h, HashAlgo::Sha256),
        (None, Some(h)) => check_hex(e, path![table, "sha512"], h, HashAlgo::Sha512),
        (None, None) => None,
    };
    match (tarball, url) {
        (Some(_), Some(_)) => {
            e.add(
                path![table, "url"],
                "set either `tarball` (a local file) or `url`, not both",
            );
            None
        }
        (None, None) => {
            e.help(
                path![table],
                format!("[{}] needs `tarball` or `url`", table),
                format!(
                    "e.g. tarball = \"dist/{}\"",
                    if table == "spark" {
                        "spark-4.3.0-bin-hadoop3.tgz"
                    } else {
                        "apache-zookeeper-3.8.4-bin.tar.gz"
                    }
                ),
            );
            None
        }
        (Some(p), None) => {
            let source = Source::Path {
                path: base.join(expand_home(p)),
                checksum,
            };
            let name = crate::dist::source_file_name(&source);
            tarball_name_ok(e, table, "tarball", &name).then_some(source)
        }
        (None, Some(u)) => {
            if !(u.starts_with("http://") || u.starts_with("https://") || u.starts_with("file://"))
            {
                e.add(
                    path![table, "url"],
                    format!("`{}` is not an http://, https:// or file:// URL", u),
                );
                return None;
            }
            if !tarball_name_ok(e, table, "url", crate::dist::url_file_name(u)) {
                return None;
            }
            match checksum {
                Some(checksum) => Some(Source::Url {
                    url: u.clone(),
                    checksum,
                }),
                None => {
                    e.help(path![table, "url"], "a `url` needs a checksum", "add `sha512 = \"...\"` (Apache publishes one beside every release) or `sha256`; a download is never used unverified");
                    None
                }
            }
        }
    }
}

/// The tarball's file name follows `dist::check_name`'s rules, the ones
/// `deploy` applies to the real file: checked here so that `check` refuses
/// what `deploy` would, at the key that set it.
pub(super) fn tarball_name_ok(e: &mut Errors, table: &str, key: &str, file_name: &str) -> bool {
    let product = if table == "spark" {
        crate::dist::Product::Spark
    } else {
        crate::dist::Product::ZooKeeper
    };
    match crate::dist::check_name(product, file_name) {
        Ok(_) => true,
        Err((msg, help)) => {
            e.help(path![table, key], msg, help);
            false
        }
    }
}

/// `fetch = "operator" | "hosts"`. "hosts" turns a `url` source into
/// `Source::HostUrl`; it needs `url` and a checksum, because the hosts verify
/// what they download and the operator never sees the bytes. (A `url`
/// without a checksum is reported by `resolve_source` already.)
pub(super) fn host_fetch(
    e: &mut Errors,
    table: &str,
    fetch: &Option<String>,
    source: Option<Source>,
) -> Option<Source> {
    match fetch.as_deref() {
        None | Some("operator") => source,
        Some("hosts") => match source {
            Some(Source::Url { url, checksum }) => Some(Source::HostUrl { url, checksum }),
            Some(Source::Path { .. }) => {
                e.help(
                    path![table, "fetch"],
                    "`fetch = \"hosts\"` needs a `url`, not a local `tarball`",
                    "set `url` and `sha512` (or `sha256`) so each host can download and verify it; or remove `fetch` to push the local tarball over SSH",
                );
                None
            }
            other => other,
        },
        Some(other) => {
            e.help(
                path![table, "fetch"],
                format!("unknown fetch mode `{}`", other),
                "use \"operator\" (the operator downloads once and pushes over SSH, the default) or \"hosts\" (each host downloads `url` itself)",
            );
            None
        }
    }
}

pub(super) fn check_hex(
    e: &mut Errors,
    at: Vec<Seg>,
    hex: &str,
    algo: HashAlgo,
) -> Option<Checksum> {
    // Apache's .sha512 files are "<hex>  <file>" or upper-case groups; accept the hex part.
    let cleaned: String = hex
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let want = if algo == HashAlgo::Sha256 { 64 } else { 128 };
    if cleaned.len() != want || !cleaned.chars().all(|c| c.is_ascii_hexdigit()) {
        e.add(
            at,
            format!(
                "{} must be {} hex digits, got {} characters",
                algo.name(),
                want,
                cleaned.len()
            ),
        );
        return None;
    }
    Some(Checksum { algo, hex: cleaned })
}
