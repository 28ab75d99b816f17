//! Getting a distribution onto a host: the upload (pushed over SSH) or the
//! host's own download (`fetch = "hosts"`), verified by checksum on the
//! host, the unpack into a staged tree renamed into place, and the
//! `current` link. Nothing half-done ever carries a final name.

use crate::dist::{Compression, LocalDist, Product};
use crate::layout;
use crate::shell::quote;

/// A POSIX sh function printing the sha256 of stdin. openssl uses the CPU's
/// SHA instructions where coreutils' sha256sum may not (measured on the lab
/// VM: 0.4 vs 1.5-2 CPU-s for 408 MiB), so prefer it when present.
const SUM256: &str = "sum256() { if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r | cut -c1-64; else sha256sum | cut -c1-64; fi; }\n";

/// Traps that remove `paths` (shell words) however the script ends. A
/// signal only runs the EXIT trap when it is trapped itself, so each one
/// that can end a step is turned into an exit: HUP, INT, TERM, and PIPE,
/// which is how a step dies when its SSH connection goes (Ctrl-C ends the
/// masters): its next write to the closed stderr. Without PIPE here an
/// upload cut that way left its `.part` file behind (tests/faults.rs).
fn remove_on_exit(paths: &str) -> String {
    format!(
        "trap 'rm -rf {}' EXIT\ntrap 'exit 129' HUP\ntrap 'exit 130' INT\ntrap 'exit 141' PIPE\ntrap 'exit 143' TERM\n",
        paths
    )
}

/// Receive a tarball on stdin, verify its sha256, then rename it into place.
pub fn upload(root: &str, d: &LocalDist) -> String {
    let dest = layout::uploaded_tarball(root, d);
    format!(
        r#"set -e
umask 022
{sum256}mkdir -p {dir}
# Leftovers of runs that died mid-upload (the host lock makes this safe).
rm -f {dest}.part.*
part={dest}.part.$$
{cleanup_part}cat > "$part"
got=$(sum256 < "$part")
if [ "$got" != {sha} ]; then
  echo "the uploaded copy of {name} is corrupt: sha256 $got, expected {sha} (transfer cut short or disk full?)" >&2
  exit 3
fi
mv -f "$part" {dest}
trap - EXIT INT TERM HUP PIPE
"#,
        sum256 = SUM256,
        cleanup_part = remove_on_exit(r#""$part""#),
        dir = quote(&format!("{}/dist", layout::state_dir(root))),
        dest = quote(&dest),
        sha = d.sha256,
        name = d.file_name,
    )
}

/// Receive `[connect] jar` on stdin into `dest` (its content-addressed
/// place in the root-owned state directory), verify its sha256, make it
/// readable by all (the service user's server reads it; only root can
/// replace it), then rename it into place. As [`upload`], nothing
/// half-sent ever has the final name.
pub fn upload_jar(dest: &str, sha256: &str, name: &str) -> String {
    let dir = dest.rsplit_once('/').map_or(".", |(d, _)| d);
    format!(
        r#"set -e
umask 022
{sum256}mkdir -p {dir}
rm -f {dest}.part.*
part={dest}.part.$$
{cleanup_part}cat > "$part"
got=$(sum256 < "$part")
if [ "$got" != {sha} ]; then
  echo "the uploaded copy of {name} is corrupt: sha256 $got, expected {sha} (transfer cut short or disk full?)" >&2
  exit 3
fi
chmod 0644 "$part"
mv -f "$part" {dest}
trap - EXIT INT TERM HUP PIPE
"#,
        sum256 = SUM256,
        cleanup_part = remove_on_exit(r#""$part""#),
        dir = quote(dir),
        dest = quote(dest),
        sha = sha256,
        name = name,
    )
}

/// A POSIX sh function printing the sha512 of stdin (openssl preferred, as
/// for [`SUM256`]).
const SUM512: &str = "sum512() { if command -v openssl >/dev/null 2>&1; then openssl dgst -sha512 -r | cut -c1-128; else sha512sum | cut -c1-128; fi; }\n";

/// The shell function that computes `d`'s identity on a host, and the value
/// it must print (see `dist::host_identity`).
fn host_sum(d: &LocalDist) -> (&'static str, &'static str, String) {
    match d.sha256.strip_prefix("sha512:") {
        Some(hex) => (SUM512, "sum512", hex.to_string()),
        None => (SUM256, "sum256", d.sha256.clone()),
    }
}

/// `fetch = "hosts"`: the host downloads the tarball itself into a temp name
/// next to where an upload would land, verifies the inventory's checksum on
/// the host, and only then renames it into place, so everything after this
/// step (unpack, stamps, re-runs) is the same as for an upload. A cut or
/// failed download leaves only the temp name (removed by the trap, or swept
/// by the next run); a download that does not match is deleted.
///
/// curl, else wget; without either, a Java 11+ source-file program (the
/// host has Java anyway) does a plain GET, so only a host with none of the
/// three fails, with a message saying what to install.
pub fn fetch(root: &str, d: &LocalDist, java: &str) -> String {
    let f = d.fetch.as_ref().expect("fetch() on a pushed tarball");
    let dest = layout::uploaded_tarball(root, d);
    let (sum_fn, sum, want) = host_sum(d);
    format!(
        r#"set -e
umask 022
{sum_fn}mkdir -p {dir}
# Leftovers of runs that died mid-download (the host lock makes this safe).
rm -f {dest}.part.* {dir}/Fetch.*.java
part={dest}.part.$$
jf={dir}/Fetch.$$.java
{cleanup_part_jf}url={url}
if command -v curl >/dev/null 2>&1; then
  curl -fsSL --retry 3 --connect-timeout 20 -o "$part" "$url" || {{ echo "curl could not download $url" >&2; exit 5; }}
elif command -v wget >/dev/null 2>&1; then
  wget -q -T 20 -O "$part" "$url" || {{ echo "wget could not download $url" >&2; exit 5; }}
elif command -v {java} >/dev/null 2>&1; then
  cat > "$jf" <<'SPARKCTL_JAVA'
public class Fetch {{
  public static void main(String[] a) throws Exception {{
    try (var in = java.net.URI.create(a[0]).toURL().openStream()) {{
      java.nio.file.Files.copy(in, java.nio.file.Path.of(a[1]), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }}
  }}
}}
SPARKCTL_JAVA
  {java} "$jf" "$url" "$part" || {{ echo "neither curl nor wget is installed, and Java could not download $url either (Java 11+ runs Fetch.java): install curl or wget on this host" >&2; exit 5; }}
else
  echo "cannot download $url on this host: neither curl nor wget (nor java) is installed; install curl or wget, or remove fetch = \"hosts\" to push the tarball from the operator" >&2
  exit 6
fi
got=$({sum} < "$part")
if [ "$got" != {want} ]; then
  echo "the download of $url does not match its checksum: {algo} $got, expected {want}; the download was deleted" >&2
  exit 3
fi
mv -f "$part" {dest}
trap - EXIT INT TERM HUP PIPE
"#,
        sum_fn = sum_fn,
        cleanup_part_jf = remove_on_exit(r#""$part" "$jf""#),
        sum = sum,
        want = want,
        algo = f.checksum.algo.name(),
        dir = quote(&format!("{}/dist", layout::state_dir(root))),
        dest = quote(&dest),
        url = quote(&f.url),
        java = quote(java),
    )
}

/// Unpack an uploaded (verified) tarball into a staging directory, check it
/// is the product it claims to be, stamp it, then rename it into place.
/// `just_verified`: the tarball was uploaded and verified by this run a
/// moment ago, so hashing it again is skipped; a copy kept from an earlier
/// run is always verified before it is unpacked.
pub fn install(root: &str, d: &LocalDist, just_verified: bool) -> String {
    let tb = layout::uploaded_tarball(root, d);
    let tree = layout::tree(root, d);
    let z = if d.compression == Compression::Gzip {
        "z"
    } else {
        ""
    };
    // A host-fetched tarball given only a sha512 is known by that.
    let (sum_fn, sum, want) = host_sum(d);
    let algo = sum.replace("sum", "sha");
    let (marker, what) = match d.product {
        Product::Spark => ("sbin/spark-daemon.sh", "a Spark distribution"),
        Product::ZooKeeper => ("bin/zkServer.sh", "a ZooKeeper distribution"),
    };
    format!(
        r#"set -e
umask 022
tb={tb}
rm -rf {state}/stage-{dir}.*
stage={state}/stage-{dir}.$$
{cleanup_stage}{sum_fn}got={check}
if [ "$got" != {want} ]; then
  rm -f "$tb"
  echo "the uploaded tarball $tb is corrupt ({algo} $got, expected {want}); it was removed: run again to upload it anew" >&2
  exit 3
fi
mkdir -p "$stage"
tar -x{z}f "$tb" -C "$stage" --strip-components=1 --no-same-owner
if [ ! -f "$stage/{marker}" ]; then
  echo "{name} does not look like {what}: no {marker} inside its top directory" >&2
  exit 4
fi
mkdir -p "$stage/conf"
echo {sha} > "$stage/{stamp}"
if [ -e {tree} ]; then rm -rf {tree}.old.$$; mv {tree} {tree}.old.$$; fi
mv "$stage" {tree}
trap - EXIT INT TERM HUP PIPE
rm -rf {tree}.old.$$
"#,
        tb = quote(&tb),
        sum_fn = sum_fn,
        cleanup_stage = remove_on_exit(r#""$stage""#),
        algo = algo,
        want = want,
        check = if just_verified {
            want.clone()
        } else {
            format!("$({} < \"$tb\")", sum)
        },
        state = quote(&layout::state_dir(root)),
        dir = d.dir_name,
        sha = d.sha256,
        z = z,
        marker = marker,
        what = what,
        name = d.file_name,
        stamp = layout::STAMP,
        tree = quote(&tree),
    )
}

/// Point `root/current` at `dir` by renaming a new link over the old one.
pub fn link(root: &str, dir: &str) -> String {
    let tmp = format!("{}/.current.tmp", root);
    // The tree `current` leaves is recorded first (write, then rename):
    // it is the one pruning keeps besides the new one (`prune.rs`).
    format!(
        "set -e\nold=$(readlink {cur} 2>/dev/null || true)\nif [ -n \"$old\" ] && [ \"$old\" != {dir} ]; then mkdir -p {state}; printf '%s\\n' \"$old\" > {prev}.tmp; mv -f {prev}.tmp {prev}; fi\nln -sfn {dir} {tmp}\nmv -Tf {tmp} {cur} 2>/dev/null || {{ rm -f {tmp}; ln -sfn {dir} {cur}; }}\n",
        dir = quote(dir),
        tmp = quote(&tmp),
        cur = quote(&layout::current(root)),
        state = quote(&layout::state_dir(root)),
        prev = quote(&super::prune::previous_file(root)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::test_sh::{run, tmpdir};

    #[test]
    fn link_replaces_the_current_link() {
        let d = tmpdir("link");
        std::fs::create_dir_all(format!("{}/v1", d)).unwrap();
        std::fs::create_dir_all(format!("{}/v2", d)).unwrap();
        assert!(run(&link(&d, "v1")).status.success());
        assert!(run(&link(&d, "v2")).status.success());
        assert_eq!(
            std::fs::read_link(format!("{}/current", d))
                .unwrap()
                .to_string_lossy(),
            "v2"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// The Connect jar lands verified, readable by all (the service user's
    /// server), under its final name only when whole; a corrupt copy never
    /// gets that name.
    #[test]
    fn the_connect_jar_upload_verifies_and_leaves_it_readable() {
        use std::io::Write;
        use std::os::unix::fs::PermissionsExt;
        let d = tmpdir("jar");
        let dest = format!("{}/.sparkctl/jars/0123-x.jar", d);
        let send = |content: &[u8], sha: &str| {
            let mut c = std::process::Command::new("sh")
                .arg("-c")
                .arg(upload_jar(&dest, sha, "x.jar"))
                .stdin(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            c.stdin.take().unwrap().write_all(content).unwrap();
            c.wait_with_output().unwrap()
        };
        let out = send(b"jar", &crate::plan::sha256_hex("jar"));
        assert!(out.status.success(), "{:?}", out);
        assert_eq!(std::fs::read(&dest).unwrap(), b"jar");
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
        std::fs::remove_file(&dest).unwrap();
        let out = send(b"jaw", &crate::plan::sha256_hex("jar"));
        assert_eq!(out.status.code(), Some(3));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("the uploaded copy of x.jar is corrupt")
        );
        let left: Vec<_> = std::fs::read_dir(format!("{}/.sparkctl/jars", d))
            .unwrap()
            .collect();
        assert!(left.is_empty(), "{:?}", left);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn install_refuses_a_corrupt_upload_and_removes_it() {
        let d = tmpdir("install");
        let dist = LocalDist {
            product: Product::Spark,
            path: "x".into(),
            file_name: "spark-4.3.0-bin-x.tar".into(),
            dir_name: "spark-4.3.0-bin-x".into(),
            version: None,
            size: 3,
            sha256: "0".repeat(64),
            compression: Compression::None,
            fetch: None,
        };
        let tb = layout::uploaded_tarball(&d, &dist);
        std::fs::create_dir_all(std::path::Path::new(&tb).parent().unwrap()).unwrap();
        std::fs::write(&tb, "bad").unwrap();
        let out = run(&install(&d, &dist, false));
        assert_eq!(out.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&out.stderr).contains("is corrupt"));
        assert!(!std::path::Path::new(&tb).exists());
        assert!(!std::path::Path::new(&layout::tree(&d, &dist)).exists());
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// A fetched tarball's LocalDist, as `dist::resolve` makes it for
    /// `fetch = "hosts"`.
    fn fetched(url: &str, checksum: crate::inventory::Checksum) -> LocalDist {
        LocalDist {
            product: Product::Spark,
            path: "spark-4.3.0-bin-x.tar".into(),
            file_name: "spark-4.3.0-bin-x.tar".into(),
            dir_name: "spark-4.3.0-bin-x".into(),
            version: None,
            size: 0,
            sha256: crate::dist::host_identity(&checksum),
            compression: Compression::None,
            fetch: Some(crate::dist::HostFetch {
                url: url.into(),
                checksum,
            }),
        }
    }

    #[test]
    fn fetch_verifies_on_the_host_then_renames() {
        use crate::inventory::{Checksum, HashAlgo};
        let d = tmpdir("fetch");
        // A tiny Spark-shaped tarball served by file:// (curl reads those).
        let out = run(&format!(
            "set -e; mkdir -p {d}/src/t/sbin; touch {d}/src/t/sbin/spark-daemon.sh; tar -cf {d}/src/spark-4.3.0-bin-x.tar -C {d}/src t"
        ));
        assert!(out.status.success());
        let tar = std::path::PathBuf::from(format!("{}/src/spark-4.3.0-bin-x.tar", d));
        let url = format!("file://{}", tar.display());
        let (sha256, sha512) = crate::dist::hash_file(&tar).unwrap();
        let root = format!("{}/root", d);

        // A wrong sum: refused on the host, named, nothing left behind.
        let bad = fetched(
            &url,
            Checksum {
                algo: HashAlgo::Sha256,
                hex: "0".repeat(64),
            },
        );
        let out = run(&fetch(&root, &bad, "java"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{}", err);
        assert!(
            err.contains(&format!(
                "the download of {} does not match its checksum: sha256 {}, expected {}",
                url,
                sha256,
                "0".repeat(64)
            )),
            "{}",
            err
        );
        let dist_dir = format!("{}/.sparkctl/dist", root);
        assert_eq!(std::fs::read_dir(&dist_dir).unwrap().count(), 0);

        // A leftover of a killed run is swept; the right sum lands in place.
        std::fs::write(format!("{}/spark-4.3.0-bin-x.tar.part.1", dist_dir), "cut").unwrap();
        let good = fetched(
            &url,
            Checksum {
                algo: HashAlgo::Sha512,
                hex: sha512.clone(),
            },
        );
        let out = run(&fetch(&root, &good, "java"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let names: Vec<String> = std::fs::read_dir(&dist_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["spark-4.3.0-bin-x.tar".to_string()]);
        // Unpacking a kept copy re-verifies it with the same algorithm
        // (sha512 here) and stamps the tree with the identity.
        let out = run(&install(&root, &good, false));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(format!("{}/spark-4.3.0-bin-x/{}", root, layout::STAMP))
                .unwrap()
                .trim(),
            format!("sha512:{}", sha512)
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// A host with neither curl nor wget: the Java source-file fetcher
    /// downloads (Java is on every host sparkctl deploys to); with no Java
    /// either, the step fails saying what to install.
    #[test]
    fn fetch_falls_back_to_java_then_explains() {
        use crate::inventory::{Checksum, HashAlgo};
        let d = tmpdir("fetch-java");
        let bin = format!("{}/bin", d);
        std::fs::create_dir_all(&bin).unwrap();
        // A PATH with only what the script needs besides a downloader.
        for tool in ["sh", "mkdir", "rm", "cat", "mv", "cut", "sha256sum"] {
            let out = run(&format!("command -v {}", tool));
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            std::os::unix::fs::symlink(&path, format!("{}/{}", bin, tool)).unwrap();
        }
        let src = format!("{}/spark-4.3.0-bin-x.tar", d);
        std::fs::write(&src, "tarball bytes").unwrap();
        let sha = crate::dist::sha256_file(std::path::Path::new(&src)).unwrap();
        let dist = fetched(
            &format!("file://{}", src),
            Checksum {
                algo: HashAlgo::Sha256,
                hex: sha,
            },
        );
        let java = String::from_utf8_lossy(&run("command -v java").stdout)
            .trim()
            .to_string();
        assert!(!java.is_empty(), "this test needs java on PATH");
        let with_path = |java: &str| {
            std::process::Command::new(format!("{}/sh", bin))
                .arg("-c")
                .arg(fetch(&format!("{}/root", d), &dist, java))
                .env("PATH", &bin)
                .output()
                .unwrap()
        };
        let out = with_path(&java);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = std::fs::read_to_string(layout::uploaded_tarball(&format!("{}/root", d), &dist));
        assert_eq!(got.unwrap(), "tarball bytes");
        let out = with_path("/nonexistent/bin/java");
        assert_eq!(out.status.code(), Some(6));
        assert!(String::from_utf8_lossy(&out.stderr)
            .contains("neither curl nor wget (nor java) is installed"));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn fetch_says_what_is_missing() {
        let s = fetch(
            "/opt/spark",
            &fetched(
                "http://m/spark-4.3.0-bin-x.tar",
                crate::inventory::Checksum {
                    algo: crate::inventory::HashAlgo::Sha256,
                    hex: "a".repeat(64),
                },
            ),
            "/usr/lib/jvm/x/bin/java",
        );
        // curl first, then wget, then Java's source launcher, then a message.
        let pos = |n: &str| s.find(n).unwrap_or_else(|| panic!("{} in {}", n, s));
        assert!(pos("command -v curl") < pos("command -v wget"));
        assert!(pos("command -v wget") < pos("command -v /usr/lib/jvm/x/bin/java"));
        assert!(s.contains("neither curl nor wget (nor java) is installed"));
    }
}
