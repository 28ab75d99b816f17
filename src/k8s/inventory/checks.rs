//! The located error list of `k8s render`'s own checks, and the checks of
//! single Kubernetes values (DNS names, quantities, image tags, credentials).

use crate::diag::Diagnostic;
use crate::dist::Version;
use crate::inventory::locate::{span_of, Seg};
use crate::path;
use std::path::Path;
use std::sync::Arc;

pub(super) struct Errs<'a> {
    pub(super) file: &'a Path,
    pub(super) source: Arc<str>,
    pub(super) items: Vec<Diagnostic>,
}

impl Errs<'_> {
    pub(super) fn help(&mut self, at: Vec<Seg>, msg: impl Into<String>, help: impl Into<String>) {
        let span = span_of(&self.source, &at);
        self.items.push(
            Diagnostic::new(msg)
                .in_file(self.file, self.source.clone(), span)
                .with_help(help),
        );
    }
}

/// `[kubernetes] key`, or `default` when it is not set; 0 is refused, with `help`.
pub(super) fn at_least_one(
    e: &mut Errs,
    key: &str,
    v: Option<u32>,
    default: u32,
    help: &str,
) -> u32 {
    let n = v.unwrap_or(default);
    if n == 0 {
        e.help(
            path!["kubernetes", key],
            format!("{} must be at least 1", key),
            help,
        );
    }
    n
}

/// Properties whose values are credentials: a ConfigMap is readable by
/// anyone who may read the namespace's ConfigMaps, and is printed by
/// `kubectl get -o yaml`.
pub(super) fn secret_bearing(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["password", "secret", "token", "credential", "access.key"]
        .iter()
        .any(|w| k.contains(w))
}

/// RFC 1123 label: what a namespace (and a DNS name part) must be.
pub(super) fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

pub(super) fn dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(dns_label)
}

/// A storage quantity as Kubernetes takes it: digits and a binary or
/// decimal suffix (`10Gi`, `500M`).
pub(super) fn quantity_ok(s: &str) -> bool {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &s[digits.len()..];
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && ["", "Ki", "Mi", "Gi", "Ti", "Pi", "k", "M", "G", "T", "P"].contains(&suffix)
}

/// An image reference: one word, with a tag carrying the version (the
/// version decides what Spark supports, like a tarball's name in SSH mode).
pub(super) fn image_version(image: &str) -> Result<Version, String> {
    if image.is_empty()
        || image
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || "./:_@-".contains(c)))
    {
        return Err(format!("invalid image `{}`", image.escape_debug()));
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    let tag = last.split('@').next().unwrap_or(last);
    match tag.split_once(':') {
        Some((_, t)) => Version::find_in(t)
            .ok_or_else(|| format!("cannot read a version from the tag of image `{}`", image)),
        None => Err(format!("image `{}` has no tag", image)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_tags_carry_versions() {
        let v = |s: &str| image_version(s).map(|v| v.to_string());
        assert_eq!(v("apache/spark:4.0.1").as_deref(), Ok("4.0.1"));
        assert_eq!(
            v("registry:5000/team/spark:3.5.3-java17").as_deref(),
            Ok("3.5.3")
        );
        assert_eq!(v("zookeeper:3.9.3@sha256:abc").as_deref(), Ok("3.9.3"));
        assert_eq!(
            v("apache/spark").unwrap_err(),
            "image `apache/spark` has no tag"
        );
        assert_eq!(
            v("apache/spark:latest").unwrap_err(),
            "cannot read a version from the tag of image `apache/spark:latest`"
        );
        assert!(v("spark:4.0.1 --x").is_err());
    }

    #[test]
    fn names_and_quantities() {
        assert!(dns_label("spark") && dns_label("a-1"));
        assert!(!dns_label("Spark") && !dns_label("-a") && !dns_label("a_b") && !dns_label(""));
        assert!(dns_subdomain("cluster.local") && !dns_subdomain("cluster..local"));
        assert!(quantity_ok("10Gi") && quantity_ok("500M") && quantity_ok("1024"));
        assert!(!quantity_ok("10GB") && !quantity_ok("Gi") && !quantity_ok("1.5Gi"));
        assert!(
            secret_bearing("spark.ssl.keyPassword")
                && secret_bearing("spark.hadoop.fs.s3a.access.key")
        );
        assert!(!secret_bearing("spark.eventLog.dir"));
    }
}
