//! `sparkctl k8s render`: the same HA cluster as the SSH mode, as Kubernetes manifests, from an inventory with a `[kubernetes]` section.
//!
//! `inventory` parses and validates the inventory (reusing the SSH mode's
//! validation for `[spark]`/`[zookeeper]`), `manifests` builds the
//! objects (reusing the SSH mode's templates for the config files). This
//! file writes them out. Nothing here contacts a cluster.

pub mod inventory;
pub mod manifests;

pub use inventory::{is_k8s_inventory, K8sCluster};

use crate::diag::UsageError;
use anyhow::{Context, Result};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// What a render produced, for the command's summary and for tests.
pub struct Rendered {
    pub cluster: K8sCluster,
    pub manifests: Vec<manifests::Manifest>,
    /// The secret file was created by this render.
    pub secret_generated: bool,
}

/// Load, validate and render; the secret is read or generated (not saved).
pub fn render_inventory(path: &Path) -> Result<(Rendered, Option<crate::secret::Loaded>)> {
    let k = inventory::load(path)?;
    let mut renderer = crate::render::Renderer::new(&k.cluster)?;
    let manifests = manifests::render(&k, &renderer)?;
    let secret = renderer.secret.take();
    let fresh = secret.as_ref().is_some_and(|l| l.fresh);
    Ok((
        Rendered {
            cluster: k,
            manifests,
            secret_generated: fresh,
        },
        secret,
    ))
}

/// The first line of every file written: marks it as ours, so a later
/// render may remove it when its object is gone.
const HEADER: &str = "# Rendered by `sparkctl k8s render`";

/// `sparkctl k8s render INVENTORY [-o DIR] [--print-submit]`.
pub fn render_command(path: &Path, out_dir: Option<&Path>, print_submit: bool) -> Result<i32> {
    let (r, secret) = render_inventory(path)?;
    let inv_name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let keep: Vec<&str> = r.manifests.iter().map(|m| m.file_name.as_str()).collect();
            // Files of objects an earlier render wrote and this one does not:
            // `kubectl apply -f DIR` would bring them back.
            for e in std::fs::read_dir(dir)?.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with(".yaml") && !keep.contains(&name.as_str()) {
                    let ours =
                        std::fs::read_to_string(e.path()).is_ok_and(|t| t.starts_with(HEADER));
                    if ours {
                        std::fs::remove_file(e.path())?;
                    }
                }
            }
            if let Some(l) = &secret {
                if l.fresh {
                    crate::secret::save_fresh(l)?;
                    eprintln!(
                        "generated the cluster's secret into {} (mode 0600); keep it: every render reuses it",
                        l.path.display()
                    );
                }
            }
            for m in &r.manifests {
                let p = dir.join(&m.file_name);
                let text = m.to_yaml(&inv_name)?;
                // Written whole under a temporary name, then renamed: a
                // Secret's file is 0600 from its first byte.
                let tmp = dir.join(format!(".{}.tmp.{}", m.file_name, std::process::id()));
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(if m.secret { 0o600 } else { 0o644 })
                    .open(&tmp)
                    .with_context(|| format!("cannot write {}", tmp.display()))?;
                f.write_all(text.as_bytes())?;
                f.sync_all()?;
                std::fs::rename(&tmp, &p)?;
            }
            eprintln!(
                "wrote {} objects to {} (apply: kubectl apply -f {})",
                r.manifests.len(),
                dir.display(),
                dir.display()
            );
        }
        None => {
            let mut stdout = String::new();
            for m in r.manifests.iter().filter(|m| !m.secret) {
                stdout.push_str("---\n");
                stdout.push_str(&m.to_yaml(&inv_name)?);
            }
            crate::out::write(&stdout);
            if let Some(l) = &secret {
                if l.fresh {
                    crate::secret::save_fresh(l)?;
                    eprintln!(
                        "generated the cluster's secret into {} (mode 0600); keep it: every render reuses it",
                        l.path.display()
                    );
                }
                eprintln!(
                    "the Secret `{}` is not printed; create it with: kubectl -n {} create secret generic {} --from-file=secret={}{} (or render with -o DIR, which writes it 0600)",
                    manifests::SECRET,
                    r.cluster.namespace,
                    manifests::SECRET,
                    l.path.display(),
                    if r.cluster.cluster.spark.rest {
                        " --from-file=rest-key=<the key>"
                    } else {
                        ""
                    }
                );
            }
        }
    }
    if print_submit {
        // stdout carries the manifests when there is no -o DIR.
        match out_dir {
            Some(_) => crate::out::write(&submit_text(&r.cluster)),
            None => eprint!("{}", submit_text(&r.cluster)),
        }
    }
    Ok(crate::diag::exit::OK)
}

/// What `--print-submit` shows: the URLs `spark-submit` takes.
pub fn submit_text(k: &K8sCluster) -> String {
    let mut s = format!(
        "client mode:  spark-submit --master {} ...\n",
        manifests::client_url(k)
    );
    match manifests::rest_url(k) {
        Some(u) => s.push_str(&format!(
            "cluster mode: spark-submit --master {} --deploy-mode cluster ...\n",
            u
        )),
        None => s.push_str(
            "cluster mode: off (the REST submission server needs `rest = true` in [spark])\n",
        ),
    }
    if k.cluster.spark.auth.is_some() {
        s.push_str("authenticate: applications need the secret (spark.authenticate.secret), see docs/kubernetes.md\n");
    }
    if let Some(h) = &k.history {
        s.push_str(&format!(
            "history:      http://{}.{}.svc.{}:{}\n",
            inventory::HISTORY,
            k.namespace,
            k.cluster_domain,
            h.port
        ));
    }
    s
}

/// `sparkctl check` on a Kubernetes inventory: validate and render in memory.
pub fn check(path: &Path) -> Result<i32> {
    let (r, _) = render_inventory(path).map_err(|e| match e.downcast::<UsageError>() {
        Ok(u) => u.into(),
        Err(e) => e,
    })?;
    crate::outln!(
        "{}: ok (Kubernetes, namespace {}, HA {}, {} masters, {} workers, {} ZooKeeper servers, {} objects rendered)",
        path.display(),
        r.cluster.namespace,
        r.cluster.cluster.ha.name(),
        r.cluster.master_replicas,
        r.cluster.worker_replicas,
        r.cluster.zookeeper_replicas,
        r.manifests.len()
    );
    Ok(crate::diag::exit::OK)
}
