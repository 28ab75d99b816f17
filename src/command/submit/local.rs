//! `sparkctl submit --local`: spark-submit from this machine's own Spark
//! (`$SPARK_HOME`) instead of a cluster host's, with the same master URL
//! and gateway. With `authenticate`, the secret reaches spark-submit in a
//! properties file this run creates (mode 0600, removed afterwards), never
//! on a command line (where `ps` would show it).
//!
//! In client mode the driver runs here, and executors connect back to it:
//! only where the workers can reach this machine (not through an SSH-only
//! firewall; the README's default, a cluster host, works there).

use super::argv::{self, DeployMode};
use crate::diag::{exit, UsageError};
use crate::inventory::Cluster;
use anyhow::{Context, Result};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Removes the properties file however the run ends.
struct Removed(PathBuf);
impl Drop for Removed {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `SPARK_HOME` as given, checked to hold `bin/spark-submit`.
pub fn spark_home(value: Option<std::ffi::OsString>) -> Result<PathBuf, UsageError> {
    let Some(home) = value.filter(|v| !v.is_empty()) else {
        return Err(UsageError(
            "error: --local runs this machine's spark-submit, but SPARK_HOME is not set\n  = help: export SPARK_HOME=/path/to/spark (a Spark of the cluster's version), or drop --local to submit on a cluster host".into(),
        ));
    };
    let home = PathBuf::from(home);
    let submit = home.join("bin/spark-submit");
    if !is_executable(&submit) {
        return Err(UsageError(format!(
            "error: --local: no executable {} (SPARK_HOME={})\n  = help: point SPARK_HOME at an unpacked Spark distribution",
            submit.display(),
            home.display()
        )));
    }
    Ok(home)
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

pub fn run(
    cluster: &Cluster,
    home: &Path,
    mode: DeployMode,
    spark_args: &[String],
    quiet: bool,
) -> Result<i32> {
    let (url, gateway) = argv::master_url(cluster, mode);
    let mut keep = None;
    if let Some(a) = &cluster.spark.auth {
        let loaded = crate::secret::load_or_generate(&a.secret_file)?;
        if loaded.fresh {
            return Err(UsageError(format!(
                "error: {}: `authenticate = true`, but there is no secret at {} yet\n  = help: deploy the cluster from this machine first (it generates the secret there), or copy the secret file from where it was deployed",
                cluster.file.display(),
                a.secret_file.display()
            ))
            .into());
        }
        let path = std::env::temp_dir().join(format!(
            "sparkctl-submit-{}-{}.properties",
            std::process::id(),
            cluster.name
        ));
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("create {}", path.display()))?;
        let guard = Removed(path.clone());
        writeln!(
            f,
            "spark.authenticate true\nspark.authenticate.secret {}",
            loaded.secret.expose()
        )?;
        keep = Some(guard);
    }
    let props = keep.as_ref().map(|g| g.0.display().to_string());
    let command = argv::command(
        &home.display().to_string(),
        &url,
        mode,
        gateway,
        props.as_deref(),
        spark_args,
    );
    if !quiet {
        eprintln!(
            "submitting from this machine ({}) to {} ({} mode)",
            home.display(),
            url,
            mode.word()
        );
    }
    let status = std::process::Command::new(&command[0])
        .args(&command[1..])
        .status()
        .with_context(|| format!("run {}", command[0]))?;
    drop(keep);
    Ok(status.code().unwrap_or(exit::FAILED))
}
