//! Golden files: every example inventory parses, and every config file it
//! renders matches `tests/golden/<inventory>/<host>/<file>` byte for byte;
//! a golden file that no example renders any more is an error too. The
//! inventories in `tests/golden-inventories/` are rendered the same way.
//!
//! Regenerate with `SPARKCTL_BLESS=1 cargo test --test golden`: the golden
//! files are rewritten (stale ones removed) from what is rendered *now*, and
//! the test still fails, listing every file it changed, so a bless never
//! passes unseen. Review `git diff tests/golden` and run again without it.

use sparkctl::daemon::Daemon;
use sparkctl::dist::{LocalDist, Product};
use sparkctl::render::{Dists, Renderer};
use sparkctl::steps::Launch;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const GOLDEN: &str = "tests/golden";
/// Inventories rendered for golden files that are not examples.
const GOLDEN_ONLY: &str = "tests/golden-inventories";

/// Every file under `dir`, recursively.
fn files_under(dir: &Path, out: &mut BTreeSet<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.insert(p);
        }
    }
}

#[test]
fn example_inventories_render_as_golden() {
    let bless = std::env::var_os("SPARKCTL_BLESS").is_some();
    let mut rendered = BTreeSet::new();
    // What differs from the golden files as they were before this run.
    let mut problems = Vec::new();
    // The examples, and inventories kept for the golden files alone (a
    // cluster shape no example has, e.g. a history server).
    let mut entries: Vec<_> = ["inventories", GOLDEN_ONLY]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for inv in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        // Kubernetes inventories have their own golden manifests (tests/k8s.rs).
        .filter(|p| !sparkctl::k8s::is_k8s_inventory(p))
    {
        let cluster =
            sparkctl::inventory::load(inv).unwrap_or_else(|e| panic!("{}: {}", inv.display(), e));
        let spark = LocalDist::assumed(Product::Spark, &cluster.spark.source).unwrap();
        let zk = cluster
            .zookeeper
            .source
            .as_ref()
            .map(|s| LocalDist::assumed(Product::ZooKeeper, s).unwrap());
        let dists = Dists {
            spark: &spark,
            zookeeper: zk.as_ref(),
        };
        let renderer = Renderer::new(&cluster).unwrap();
        let stem = inv.file_stem().unwrap().to_string_lossy().into_owned();
        for host in &cluster.hosts {
            let mut outputs: Vec<(String, String, String)> = renderer
                .host_files(&cluster, &dists, host)
                .unwrap()
                .into_iter()
                .map(|f| {
                    let name = Path::new(&f.path)
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    // The secret is generated per run when the
                    // inventory's secret file does not exist: compared as
                    // a placeholder.
                    let content = match &renderer.secret {
                        Some(l) if f.secret => f
                            .content
                            .replace(&sparkctl::connect::token(&l.secret), "<the Connect token>")
                            .replace(l.secret.expose(), "<the cluster secret>"),
                        _ => f.content,
                    };
                    (name, f.path, content)
                })
                .collect();
            // The start commands of the daemons whose settings are
            // arguments rather than files (the Connect server's port, jar
            // and share of the cluster; the Mesos dispatcher's bind
            // address): `start-<daemon>.sh`.
            for d in [Daemon::Connect, Daemon::MesosDispatcher] {
                if d.runs_on(host) {
                    outputs.push((
                        format!("start-{}.sh", d.label()),
                        format!("the start command of {}", d.label()),
                        sparkctl::steps::start_command(host, d, &Launch::new(&cluster, d)),
                    ));
                }
            }
            for (name, path, content) in outputs {
                let golden = Path::new(GOLDEN).join(&stem).join(&host.name).join(&name);
                assert!(
                    rendered.insert(golden.clone()),
                    "{} is rendered twice for host {}",
                    golden.display(),
                    host.name
                );
                // Compared with the file as it is before any bless.
                match std::fs::read_to_string(&golden) {
                    Ok(want) if want == content => continue,
                    Ok(want) => problems.push(format!(
                        "{} ({} on {}) differs from what is rendered:\n{}",
                        golden.display(),
                        path,
                        host.name,
                        sparkctl::diff::unified(
                            &golden.display().to_string(),
                            Some(&want),
                            &content
                        )
                    )),
                    Err(_) => problems.push(format!(
                        "{} is missing ({} on {})",
                        golden.display(),
                        path,
                        host.name
                    )),
                }
                if bless {
                    std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
                    std::fs::write(&golden, &content).unwrap();
                }
            }
        }
    }
    assert!(
        rendered.len() >= 20,
        "only {} golden files rendered",
        rendered.len()
    );

    let mut on_disk = BTreeSet::new();
    files_under(Path::new(GOLDEN), &mut on_disk);
    for stale in on_disk.difference(&rendered) {
        problems.push(format!(
            "{} exists, but no example inventory renders it any more",
            stale.display()
        ));
        if bless {
            std::fs::remove_file(stale).unwrap();
        }
    }

    if bless && !problems.is_empty() {
        panic!(
            "SPARKCTL_BLESS: rewrote tests/golden for {} change(s) (review `git diff tests/golden`, then run again without SPARKCTL_BLESS):\n\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
    assert!(
        problems.is_empty(),
        "{} golden file problem(s) (run with SPARKCTL_BLESS=1 to rewrite, then review the diff):\n\n{}",
        problems.len(),
        problems.join("\n")
    );
}
