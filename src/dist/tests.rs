//! Unit tests of `dist`: tarball names and versions, checksums, URL
//! downloads and their cache (kept apart so that `dist/` reads as the code).

use super::*;

/// Tests that read or move the cache (one process: `SPARKCTL_CACHE` is
/// process-wide) take this lock.
static CACHE: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn versions_from_names() {
    let v = |s| Version::find_in(s).map(|v| v.to_string());
    assert_eq!(v("spark-4.3.0-bin-pyspark").as_deref(), Some("4.3.0"));
    assert_eq!(v("spark-2.4.8-bin-hadoop2.7").as_deref(), Some("2.4.8"));
    assert_eq!(v("apache-zookeeper-3.8.4-bin").as_deref(), Some("3.8.4"));
    assert_eq!(v("zookeeper-3.8.0-bin").as_deref(), Some("3.8.0"));
    assert_eq!(v("spark-hadoop3"), None);
}

#[test]
fn tarball_names() {
    assert_eq!(
        tarball_name("spark-3.5.1-bin-hadoop3.tgz"),
        Some(("spark-3.5.1-bin-hadoop3".into(), Compression::Gzip))
    );
    assert_eq!(
        tarball_name("zk.tar.gz"),
        Some(("zk".into(), Compression::Gzip))
    );
    assert_eq!(tarball_name("s.tar"), Some(("s".into(), Compression::None)));
    assert_eq!(tarball_name("s.zip"), None);
}

#[test]
fn checksum_mismatch_is_refused() {
    let _cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = std::env::temp_dir().join(format!("sparkctl-dist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("spark-4.3.0-bin-x.tgz");
    std::fs::write(&f, b"not a tarball").unwrap();
    let src = Source::Path {
        path: f.clone(),
        checksum: Some(Checksum {
            algo: HashAlgo::Sha256,
            hex: "0".repeat(64),
        }),
    };
    let err = resolve(Product::Spark, &src, "[spark] sha256 in inv.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!(
            "error: checksum mismatch for {}\n  = expected sha256 0000",
            f.display()
        )),
        "{}",
        err
    );
    let good = sha256_file(&f).unwrap();
    let src = Source::Path {
        path: f.clone(),
        checksum: Some(Checksum {
            algo: HashAlgo::Sha256,
            hex: good.clone(),
        }),
    };
    let d = resolve(Product::Spark, &src, "x").unwrap();
    assert_eq!(d.sha256, good);
    assert_eq!(d.version.unwrap().to_string(), "4.3.0");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn url_is_downloaded_once_verified_and_cached() {
    let _cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = std::env::temp_dir().join(format!("sparkctl-url-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::env::set_var("SPARKCTL_CACHE", dir.join("cache"));
    let src_file = dir.join("apache-zookeeper-3.8.4-bin.tar.gz");
    std::fs::write(&src_file, b"zk bytes").unwrap();
    let (sha256, sha512) = hash_file(&src_file).unwrap();
    let url = format!("file://{}", src_file.display());
    let bad = Source::Url {
        url: url.clone(),
        checksum: Checksum {
            algo: HashAlgo::Sha512,
            hex: "f".repeat(128),
        },
    };
    let err = resolve(Product::ZooKeeper, &bad, "[zookeeper] in inv.toml")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("error: checksum mismatch for "), "{}", err);
    // nothing half-verified is left in the cache
    assert_eq!(
        std::fs::read_dir(dir.join("cache/downloads/ffffffffffffffff"))
            .unwrap()
            .count(),
        0
    );
    let good = Source::Url {
        url,
        checksum: Checksum {
            algo: HashAlgo::Sha512,
            hex: sha512.clone(),
        },
    };
    let d = resolve(Product::ZooKeeper, &good, "x").unwrap();
    assert_eq!(d.sha256, sha256);
    assert!(d.path.starts_with(dir.join("cache/downloads")));
    assert_eq!(d.dir_name, "apache-zookeeper-3.8.4-bin");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_tarball_names_the_key() {
    let _cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let src = Source::Path {
        path: "/nonexistent/spark.tgz".into(),
        checksum: None,
    };
    let err = resolve(Product::Spark, &src, "[spark] tarball in inv.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "error: Spark tarball /nonexistent/spark.tgz cannot be read: No such file or directory"
        ),
        "{}",
        err
    );
    assert!(
        err.contains("set by [spark] tarball in inv.toml"),
        "{}",
        err
    );
}

#[test]
fn host_fetch_touches_nothing_on_the_operator() {
    let _cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let c512 = Checksum {
        algo: HashAlgo::Sha512,
        hex: "e".repeat(128),
    };
    // An unreachable host name: resolving must not try to download.
    let src = Source::HostUrl {
        url: "http://mirror.invalid/dist/spark-4.3.0-bin-hadoop3.tgz?x=1".into(),
        checksum: c512.clone(),
    };
    let d = resolve(Product::Spark, &src, "x").unwrap();
    assert_eq!(d.file_name, "spark-4.3.0-bin-hadoop3.tgz");
    assert_eq!(d.dir_name, "spark-4.3.0-bin-hadoop3");
    assert_eq!(d.compression, Compression::Gzip);
    assert_eq!(d.version.unwrap().to_string(), "4.3.0");
    assert_eq!(d.size, 0);
    assert_eq!(d.sha256, format!("sha512:{}", "e".repeat(128)));
    assert_eq!(d.fetch.unwrap().checksum, c512);
    // With a sha256 the identity is the same as for a pushed tarball,
    // so switching modes reinstalls nothing.
    let c256 = Checksum {
        algo: HashAlgo::Sha256,
        hex: "a".repeat(64),
    };
    assert_eq!(host_identity(&c256), "a".repeat(64));
    let err = resolve(
        Product::Spark,
        &Source::HostUrl {
            url: "http://m/download".into(),
            checksum: c256,
        },
        "[spark] in inv.toml",
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "error: Spark tarball `download` is not a .tgz, .tar.gz or .tar file\n  = note: set by [spark] in inv.toml\n  = help: sparkctl unpacks tar archives (gzip-compressed or not): use the release's .tgz or .tar.gz, like spark-4.3.0-bin-hadoop3.tgz"
    );
}

#[test]
fn url_file_names_drop_query_and_fragment() {
    assert_eq!(
        url_file_name("https://m/d/spark-4.3.0-bin-hadoop3.tgz?x=1&y=2"),
        "spark-4.3.0-bin-hadoop3.tgz"
    );
    assert_eq!(
        url_file_name("https://m/d/zookeeper-3.8.0-bin.tar#frag"),
        "zookeeper-3.8.0-bin.tar"
    );
    assert_eq!(url_file_name("https://m/download?file=a.tgz"), "download");
    assert_eq!(url_file_name("file:///srv/x.tar.gz"), "x.tar.gz");
}

#[test]
fn tarball_name_rules() {
    let err = |p, n| check_name(p, n).unwrap_err();
    assert_eq!(
        err(Product::Spark, "spark-4.3.0-bin-hadoop3.zip").0,
        "Spark tarball `spark-4.3.0-bin-hadoop3.zip` is not a .tgz, .tar.gz or .tar file"
    );
    for (name, shown, c) in [
        ("spark`id`.tgz", "spark`id`.tgz", "`"),
        ("spark;x.tgz", "spark;x.tgz", ";"),
        ("sp'ark.tgz", "sp'ark.tgz", "'"),
        ("sp\"ark.tgz", "sp\"ark.tgz", "\""),
        ("spark\nx.tgz", "spark\\nx.tgz", "\\n"),
    ] {
        let (msg, help) = err(Product::Spark, name);
        assert_eq!(
            msg,
            format!("Spark tarball name `{}` contains `{}`", shown, c)
        );
        assert_eq!(help, "the name becomes a directory on the hosts and appears in their scripts: rename the file to letters, digits and . _ + - only, like spark-4.3.0-bin-hadoop3.tgz");
    }
    assert_eq!(
        err(Product::ZooKeeper, "zk-bin.tar.gz"),
        (
            "cannot read the ZooKeeper version from the tarball name `zk-bin.tar.gz`".to_string(),
            "name the file as Apache does, apache-zookeeper-X.Y.Z-bin.tar.gz (or zookeeper-X.Y.Z-bin.tar.gz): the version decides the Java the hosts need".to_string()
        )
    );
    // Spark needs no version (the newest Java range is assumed).
    assert_eq!(
        check_name(Product::Spark, "spark.tgz").unwrap().version,
        None
    );
    let z = check_name(Product::ZooKeeper, "apache-zookeeper-3.8.4-bin.tar.gz").unwrap();
    assert_eq!(
        (z.dir_name.as_str(), z.version.map(|v| v.to_string())),
        ("apache-zookeeper-3.8.4-bin", Some("3.8.4".into()))
    );
}

/// A file verified against the inventory's checksum is trusted by its
/// identity afterwards, for that checksum only, and hashed again as soon as
/// its bytes may have changed: even rewritten in place with the same size
/// and its mtime put back (ctime moves), which then fails the checksum.
#[test]
fn verified_files_are_trusted_until_they_change() {
    let _cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = std::env::temp_dir().join(format!("sparkctl-verified-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("spark-4.3.0-bin-x.tar");
    std::fs::write(&f, b"the release bytes").unwrap();
    let sha = sha256_file(&f).unwrap();
    let c = Checksum {
        algo: HashAlgo::Sha256,
        hex: sha.clone(),
    };
    let src = Source::Path {
        path: f.clone(),
        checksum: Some(c.clone()),
    };
    assert_eq!(verified_before(&f, &c), None);
    assert_eq!(resolve(Product::Spark, &src, "x").unwrap().sha256, sha);
    assert_eq!(verified_before(&f, &c), Some(sha.clone()));
    // Another checksum is not covered by this record.
    let other = Checksum {
        algo: HashAlgo::Sha256,
        hex: "1".repeat(64),
    };
    assert_eq!(verified_before(&f, &other), None);
    // --verify reads the bytes again (and they still match).
    let d = resolve_with(Product::Spark, &src, "x", Reverify::Yes).unwrap();
    assert_eq!(d.sha256, sha);
    // Same size, mtime restored: still not trusted, and the bytes fail.
    let mtime = std::fs::metadata(&f).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&f, b"THE RELEASE BYTES").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&f)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    assert_eq!(std::fs::metadata(&f).unwrap().modified().unwrap(), mtime);
    assert_eq!(verified_before(&f, &c), None);
    let err = resolve(Product::Spark, &src, "x").unwrap_err();
    assert!(format!("{}", err).contains("checksum mismatch"), "{}", err);
    std::fs::remove_dir_all(&dir).unwrap();
}
