//! The `spark.authenticate` secret, kept out of every place it could leak.
//!
//! The secret lives in one operator-side file (mode 0600) and in one file per
//! host (mode 0600, owned by the service user). [`Secret`] never prints its
//! value (`Debug` and `Display` are redacted), so it cannot end up in an
//! error, a plan or a log line by accident; the only way to the value is
//! [`Secret::expose`], used where the daemons' properties file is rendered.

use anyhow::{anyhow, bail, Result};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What replaces the secret wherever it would otherwise be shown.
pub const REDACTED: &str = "<redacted>";

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Secret {
    /// The value itself: only for the file the daemons read.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A fixed secret for unit tests elsewhere in the crate.
    #[cfg(test)]
    pub fn for_tests(s: &str) -> Secret {
        Secret(s.to_string())
    }

    /// A new secret: 256 bits from the kernel's CSPRNG, hex-encoded (Spark
    /// uses the string as given; hex keeps it one safe word in a
    /// properties file).
    pub fn generate() -> Result<Secret> {
        let mut b = [0u8; 32];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut b))
            .map_err(|e| anyhow!("cannot read /dev/urandom to generate a secret: {}", e))?;
        let s: String = b.iter().map(|x| format!("{:02x}", x)).collect();
        // Every secret this process holds is known to the trace writer,
        // which redacts it from anything `-v` prints (src/trace.rs).
        crate::trace::register_secret(&s);
        Ok(Secret(s))
    }

    fn parse(path: &Path, text: &str) -> Result<Secret> {
        let s = text.strip_suffix('\n').unwrap_or(text);
        if s.len() < 16 {
            bail!(
                "{}: the secret is {} characters long; at least 16 are needed\n  = help: delete the file to have sparkctl generate one (running applications would need the new one)",
                path.display(),
                s.len()
            );
        }
        if s.starts_with('=') {
            bail!(
                "{}: the secret starts with `=`, which a properties file would read as a separator and drop",
                path.display()
            );
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "+/=_.-".contains(*c)))
        {
            bail!(
                "{}: the secret contains `{}`; expected one line of letters, digits and + / = _ . -",
                path.display(),
                c.escape_debug()
            );
        }
        crate::trace::register_secret(s);
        Ok(Secret(s.to_string()))
    }
}

/// The cluster's secret: read from `path`, or a new one when the file does
/// not exist yet (`fresh`; written only by [`save_fresh`], once the run is
/// sure it will use it).
pub struct Loaded {
    pub secret: Secret,
    pub path: PathBuf,
    pub fresh: bool,
}

pub fn load_or_generate(path: &Path) -> Result<Loaded> {
    match std::fs::metadata(path) {
        Ok(m) => {
            // As ssh does with private keys: a secret others can read is
            // not a secret any more.
            let mode = m.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                bail!(
                    "{}: permissions {:04o} are too open for a secret\n  = help: chmod 600 {}",
                    path.display(),
                    mode,
                    path.display()
                );
            }
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow!("cannot read the secret {}: {}", path.display(), e))?;
            Ok(Loaded {
                secret: Secret::parse(path, &text)?,
                path: path.to_path_buf(),
                fresh: false,
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Loaded {
            secret: Secret::generate()?,
            path: path.to_path_buf(),
            fresh: true,
        }),
        Err(e) => Err(anyhow!("cannot read the secret {}: {}", path.display(), e)),
    }
}

/// A secret the operator keeps (e.g. `[mesos] secret_file`): it must exist,
/// be readable by its owner only, and hold one line sparkctl can put in a
/// properties file. Never generated: it is someone else's credential.
pub fn load_existing(path: &Path) -> Result<Secret> {
    let l = load_or_generate(path)?;
    if l.fresh {
        bail!("{}: no such file", path.display());
    }
    Ok(l.secret)
}

/// Write a freshly generated secret: created with mode 0600, never
/// overwriting a file that appeared meanwhile, renamed into place complete.
pub fn save_fresh(l: &Loaded) -> Result<()> {
    let tmp = l.path.with_extension(format!("tmp.{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        writeln!(f, "{}", l.secret.expose())?;
        f.sync_all()?;
        // A hard link fails if the target exists: never replace a secret.
        std::fs::hard_link(&tmp, &l.path)?;
        std::fs::remove_file(&tmp)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow!("cannot write the new secret to {}: {}", l.path.display(), e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(tag: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("sparkctl-secret-{}-{}", tag, std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn never_printed() {
        let s = Secret::generate().unwrap();
        assert_eq!(s.expose().len(), 64);
        assert_eq!(format!("{} {:?}", s, s), "<redacted> <redacted>");
        assert_ne!(Secret::generate().unwrap(), s);
    }

    #[test]
    fn generated_once_then_reused_with_mode_0600() {
        let d = dir("gen");
        let p = d.join("c.secret");
        let a = load_or_generate(&p).unwrap();
        assert!(
            a.fresh && !p.exists(),
            "nothing is written before save_fresh"
        );
        save_fresh(&a).unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let b = load_or_generate(&p).unwrap();
        assert!(!b.fresh);
        assert_eq!(a.secret, b.secret);
        // A second fresh secret never replaces the first.
        let c = load_or_generate(&d.join("other")).unwrap();
        let c = Loaded {
            path: p.clone(),
            ..c
        };
        assert!(save_fresh(&c).is_err());
        assert_eq!(load_or_generate(&p).unwrap().secret, a.secret);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn refuses_open_permissions_and_bad_content() {
        let d = dir("bad");
        let p = d.join("s");
        std::fs::write(&p, "0123456789abcdef0123\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = load_or_generate(&p).err().unwrap().to_string();
        assert!(
            e.contains("permissions 0644 are too open") && e.contains("chmod 600"),
            "{}",
            e
        );
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(load_or_generate(&p).is_ok());
        std::fs::write(&p, "short\n").unwrap();
        let e = load_or_generate(&p).err().unwrap().to_string();
        assert!(e.contains("at least 16"), "{}", e);
        std::fs::write(&p, "=0123456789abcdef0123\n").unwrap();
        let e = load_or_generate(&p).err().unwrap().to_string();
        assert!(e.contains("starts with `=`"), "{}", e);
        std::fs::write(&p, "0123456789abcdef 0123\n").unwrap();
        let e = load_or_generate(&p).err().unwrap().to_string();
        assert!(e.contains("contains ` `"), "{}", e);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
