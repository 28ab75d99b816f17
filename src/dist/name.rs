//! What a tarball's file name says (directory, compression, version) and
//! the rules it must follow: the same for `check` and `deploy`.

use super::{Compression, Product};
use crate::inventory::Source;

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
