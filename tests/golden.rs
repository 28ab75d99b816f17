//! Golden files: every example inventory parses, and every config file it
//! renders matches `tests/golden/<inventory>/<host>/<file>` byte for byte.
//! Regenerate with `SPARKCTL_BLESS=1 cargo test --test golden` and review the diff.

use sparkctl::dist::{LocalDist, Product};
use sparkctl::render::{Dists, Renderer};
use std::path::Path;

#[test]
fn example_inventories_render_as_golden() {
    let bless = std::env::var_os("SPARKCTL_BLESS").is_some();
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir("inventories")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for inv in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
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
            for f in renderer.host_files(&cluster, &dists, host).unwrap() {
                let name = Path::new(&f.path)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let golden = Path::new("tests/golden")
                    .join(&stem)
                    .join(&host.name)
                    .join(&name);
                if bless {
                    std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
                    std::fs::write(&golden, &f.content).unwrap();
                }
                let want = std::fs::read_to_string(&golden).unwrap_or_else(|_| {
                    panic!("missing {}: run with SPARKCTL_BLESS=1", golden.display())
                });
                assert_eq!(
                    f.content,
                    want,
                    "{} differs from golden {}",
                    f.path,
                    golden.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {} golden files checked", checked);
}
