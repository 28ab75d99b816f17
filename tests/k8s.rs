//! `sparkctl k8s render`: golden manifests for inventories/k8s.toml, schema
//! validation with kubernetes-validate, semantic checks on the parsed YAML,
//! and bad input with exact messages. No Kubernetes cluster needed (or used).
//!
//! Regenerate the golden manifests with `SPARKCTL_BLESS=1 cargo test --test k8s`
//! (as tests/golden.rs: the test still fails, listing what it rewrote).

mod common;
use common::*;
use serde_json::Value;
use sparkctl::dist::{LocalDist, Product};
use sparkctl::render::{Dists, Renderer};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const GOLDEN: &str = "tests/golden_k8s";
/// The Kubernetes versions the manifests are validated against: the pinned
/// target, and the oldest that kubernetes-validate 1.37.0 bundles.
const KUBERNETES_VERSIONS: [&str; 2] = ["1.34.0", "1.25.0"];

fn example() -> PathBuf {
    root().join("inventories/k8s.toml")
}

/// The example rendered in a scratch directory (so its secret file is
/// generated there), as (file name, text).
fn rendered_dir(tag: &str, inventory: &str) -> (PathBuf, Vec<(String, String)>) {
    let dir = std::env::temp_dir().join(format!("sparkctl-k8s-{}-{}", tag, std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let inv = dir.join("k8s.toml");
    std::fs::write(&inv, inventory).unwrap();
    let out = dir.join("out");
    let o = sparkctl(&[
        "k8s",
        "render",
        inv.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mut files: Vec<(String, String)> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    (dir, files)
}

fn example_text() -> String {
    std::fs::read_to_string(example()).unwrap()
}

fn parse_all(files: &[(String, String)]) -> Vec<Value> {
    files
        .iter()
        .map(|(n, t)| serde_norway::from_str::<Value>(t).unwrap_or_else(|e| panic!("{}: {}", n, e)))
        .collect()
}

fn find<'a>(objs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objs.iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {} {}", kind, name))
}

fn port(ports: &Value, name: &str, key: &str) -> u64 {
    ports
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no port {}", name))[key]
        .as_u64()
        .unwrap()
}

#[test]
fn golden_manifests() {
    let bless = std::env::var_os("SPARKCTL_BLESS").is_some();
    let (r, _) = sparkctl::k8s::render_inventory(&example()).unwrap();
    let dir = Path::new(GOLDEN).join("k8s");
    let mut problems = Vec::new();
    let mut rendered = BTreeSet::new();
    let mut secrets = 0;
    for m in &r.manifests {
        if m.secret {
            // Random per render here (the test does not save a secret file);
            // its shape is checked in `secret_is_kept_and_never_printed`.
            secrets += 1;
            continue;
        }
        let text = m.to_yaml("k8s.toml").unwrap();
        let golden = dir.join(&m.file_name);
        rendered.insert(golden.clone());
        match std::fs::read_to_string(&golden) {
            Ok(want) if want == text => continue,
            Ok(_) => problems.push(format!(
                "{} differs from what is rendered",
                golden.display()
            )),
            Err(_) => problems.push(format!("{} is missing", golden.display())),
        }
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&golden, &text).unwrap();
        }
    }
    assert_eq!(secrets, 1, "one Secret with authenticate = true");
    for e in std::fs::read_dir(&dir).into_iter().flatten() {
        let p = e.unwrap().path();
        if !rendered.contains(&p) {
            problems.push(format!("{} is not rendered any more", p.display()));
            if bless {
                std::fs::remove_file(&p).unwrap();
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{}{}",
        problems.join("\n"),
        if bless {
            "\n(blessed: review git diff tests/golden_k8s and run again)"
        } else {
            "\n(SPARKCTL_BLESS=1 rewrites them)"
        }
    );
}

/// Every rendered file, the Secret included, is valid against the pinned
/// Kubernetes version's schemas, strictly (no unknown fields). The tool
/// must be installed (scripts/setup-debian.sh): missing, the test fails.
#[test]
fn schema_valid_with_kubernetes_validate() {
    let (dir, files) = rendered_dir("schema", &example_text());
    let out = dir.join("out");
    let mut variants = vec![(out.clone(), files.len())];
    // The other shapes too: one master without HA, REST on, no history.
    let single = example_text()
        .replace("master_replicas = 3\nzookeeper_replicas = 3\n", "master_replicas = 1\n")
        .replace("[cluster]\nname = \"k8s\"\n", "[cluster]\nname = \"k8s\"\nha = \"none\"\n")
        .replace("authenticate = true", "rest = true")
        .replace("history = true\nhistory_log_dir = \"file:/spark-events\"\nhistory_storage = \"20Gi\"\n", "")
        .replace(", \"spark.eventLog.dir\" = \"file:/spark-events\"", "")
        .replace("[zookeeper]\nmax_session_timeout = 6000\nheap = \"512m\"\n", "")
        .replace("zookeeper_image = \"zookeeper:3.9.3\"\n", "");
    let (d2, f2) = rendered_dir("schema-single", &single);
    variants.push((d2.join("out"), f2.len()));
    for ((out, n), version) in variants
        .iter()
        .flat_map(|v| KUBERNETES_VERSIONS.iter().map(move |k| (v.clone(), *k)))
    {
        let mut args: Vec<String> = vec![
            "--strict".into(),
            "--quiet".into(),
            "-k".into(),
            version.into(),
        ];
        let mut names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names.len(), n);
        args.extend(names);
        let o = std::process::Command::new("kubernetes-validate")
            .args(&args)
            .output()
            .expect("kubernetes-validate is not installed: run scripts/setup-debian.sh (pip install kubernetes-validate)");
        assert!(
            o.status.success(),
            "kubernetes-validate -k {} failed:\n{}{}",
            version,
            text(&o.stdout),
            text(&o.stderr)
        );
    }
    // The tool does refuse what is wrong (strict: unknown fields).
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  selectr: {}\n",
    )
    .unwrap();
    let o = std::process::Command::new("kubernetes-validate")
        .args(["--strict", "--quiet", "-k", KUBERNETES_VERSIONS[0]])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(
        !o.status.success(),
        "a misspelt field passed strict validation"
    );
}

#[test]
fn per_pod_services_select_exactly_one_master_pod() {
    let (_, files) = rendered_dir("pods", &example_text());
    let objs = parse_all(&files);
    let sts = find(&objs, "StatefulSet", "master");
    let replicas = sts["spec"]["replicas"].as_u64().unwrap();
    assert_eq!(replicas, 3);
    let tmpl = sts["spec"]["template"]["metadata"]["labels"]
        .as_object()
        .unwrap();
    // What Kubernetes gives each pod: the template's labels plus its name.
    let pods: Vec<BTreeMap<String, String>> = (0..replicas)
        .map(|i| {
            let mut l: BTreeMap<String, String> = tmpl
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            l.insert(
                "statefulset.kubernetes.io/pod-name".into(),
                format!("master-{}", i),
            );
            l
        })
        .collect();
    let per_pod: Vec<&Value> = objs
        .iter()
        .filter(|o| {
            o["kind"] == "Service"
                && o["spec"]["selector"]
                    .get("statefulset.kubernetes.io/pod-name")
                    .is_some()
        })
        .collect();
    assert_eq!(per_pod.len() as u64, replicas);
    let mut covered = BTreeSet::new();
    for svc in &per_pod {
        assert_eq!(svc["spec"]["type"], "ClusterIP", "a stable IP per master");
        let sel = svc["spec"]["selector"].as_object().unwrap();
        let matching: Vec<usize> = pods
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                sel.iter()
                    .all(|(k, v)| l.get(k).map(String::as_str) == v.as_str())
            })
            .map(|(i, _)| i)
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "{} selects {:?}",
            svc["metadata"]["name"],
            matching
        );
        assert_eq!(
            svc["metadata"]["name"].as_str().unwrap(),
            format!("master-{}", matching[0]),
            "a Service is named after its pod"
        );
        covered.insert(matching[0]);
        // Its ports are the master container's.
        let cports = &sts["spec"]["template"]["spec"]["containers"][0]["ports"];
        for name in ["rpc", "webui"] {
            assert_eq!(
                port(&svc["spec"]["ports"], name, "port"),
                port(cports, name, "containerPort")
            );
        }
    }
    assert_eq!(
        covered.len() as u64,
        replicas,
        "every master pod has its Service"
    );
    // The selector of the StatefulSet itself matches its template.
    let msel = sts["spec"]["selector"]["matchLabels"].as_object().unwrap();
    assert!(msel.iter().all(|(k, v)| tmpl.get(k) == Some(v)));
}

#[test]
fn workers_get_every_per_pod_service_and_ports_agree() {
    let (_, files) = rendered_dir("workers", &example_text());
    let objs = parse_all(&files);
    let ns = find(&objs, "Namespace", "spark")["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let expected: BTreeSet<String> = objs
        .iter()
        .filter(|o| {
            o["kind"] == "Service"
                && o["spec"]["selector"]
                    .get("statefulset.kubernetes.io/pod-name")
                    .is_some()
        })
        .map(|s| {
            format!(
                "{}.{}.svc.cluster.local:{}",
                s["metadata"]["name"].as_str().unwrap(),
                ns,
                port(&s["spec"]["ports"], "rpc", "port")
            )
        })
        .collect();
    assert_eq!(expected.len(), 3);
    let worker = find(&objs, "Deployment", "worker");
    let script = worker["spec"]["template"]["spec"]["containers"][0]["command"][2]
        .as_str()
        .unwrap();
    let url = script
        .split_whitespace()
        .find(|w| w.starts_with("spark://"))
        .expect("the worker is started with a master URL");
    let listed: BTreeSet<String> = url
        .trim_start_matches("spark://")
        .split(',')
        .map(str::to_string)
        .collect();
    assert_eq!(listed, expected);
    // spark-defaults.conf gives clients the same list.
    let cm = find(&objs, "ConfigMap", "spark-conf");
    let defaults = cm["data"]["spark-defaults.conf"].as_str().unwrap();
    assert!(
        defaults.contains(&format!("spark.master {}\n", url)),
        "{}",
        defaults
    );
    // Masters bind the port their Services and the container declare.
    let sts = find(&objs, "StatefulSet", "master");
    let cports = &sts["spec"]["template"]["spec"]["containers"][0]["ports"];
    for i in 0..3 {
        let env = cm["data"][format!("master-{}.spark-env.sh", i)]
            .as_str()
            .unwrap();
        assert!(env.contains(&format!(
            "export SPARK_MASTER_PORT={}\n",
            port(cports, "rpc", "containerPort")
        )));
        assert!(env.contains(&format!(
            "export SPARK_MASTER_WEBUI_PORT={}\n",
            port(cports, "webui", "containerPort")
        )));
        // The name the master binds to is its own pod's (headless) DNS name.
        assert!(env.contains(&format!(
            "export SPARK_MASTER_HOST=master-{}.{}.{}.svc.cluster.local\n",
            i,
            sts["spec"]["serviceName"].as_str().unwrap(),
            ns
        )));
    }
    let wenv = cm["data"]["worker.spark-env.sh"].as_str().unwrap();
    let wports = &worker["spec"]["template"]["spec"]["containers"][0]["ports"];
    assert!(wenv.contains(&format!(
        "export SPARK_WORKER_WEBUI_PORT={}\n",
        port(wports, "webui", "containerPort")
    )));
    assert!(wenv.contains("-Dspark.worker.preferConfiguredMasterAddress=true"));
    assert!(wenv.contains("export SPARK_WORKER_CORES=2\n"));
    let res = &worker["spec"]["template"]["spec"]["containers"][0]["resources"];
    assert_eq!(res["requests"]["cpu"], "2");
    assert_eq!(res["limits"]["cpu"], "2");
}

#[test]
fn zookeeper_servers_match_replicas_and_headless_names() {
    let (_, files) = rendered_dir("zk", &example_text());
    let objs = parse_all(&files);
    let sts = find(&objs, "StatefulSet", "zk");
    let replicas = sts["spec"]["replicas"].as_u64().unwrap();
    assert_eq!(replicas, 3);
    assert_eq!(sts["spec"]["podManagementPolicy"], "Parallel");
    let hs_name = sts["spec"]["serviceName"].as_str().unwrap();
    let hs = find(&objs, "Service", hs_name);
    assert_eq!(hs["spec"]["clusterIP"], "None");
    assert_eq!(hs["spec"]["publishNotReadyAddresses"], true);
    let cports = &sts["spec"]["template"]["spec"]["containers"][0]["ports"];
    let cm = find(&objs, "ConfigMap", "zk-conf");
    let data = cm["data"].as_object().unwrap();
    let cfgs: Vec<&String> = data.keys().filter(|k| k.ends_with(".zoo.cfg")).collect();
    assert_eq!(cfgs.len() as u64, replicas, "one zoo.cfg per server");
    for i in 0..replicas {
        let cfg = data[&format!("zk-{}.zoo.cfg", i)].as_str().unwrap();
        let servers: Vec<&str> = cfg.lines().filter(|l| l.starts_with("server.")).collect();
        assert_eq!(servers.len() as u64, replicas);
        for (j, line) in servers.iter().enumerate() {
            assert_eq!(
                *line,
                format!(
                    "server.{}=zk-{}.{}.spark.svc.cluster.local:{}:{}",
                    j + 1,
                    j,
                    hs_name,
                    port(cports, "quorum", "containerPort"),
                    port(cports, "election", "containerPort")
                )
            );
        }
        assert!(cfg.contains(&format!(
            "\nclientPort={}\n",
            port(cports, "client", "containerPort")
        )));
        assert!(cfg.contains("\n4lw.commands.whitelist=srvr\n"));
        assert!(cfg.contains("\nadmin.serverAddress=127.0.0.1\nadmin.serverPort=8180\n"));
    }
    // myid = ordinal + 1, the server.N of the pod's own name.
    let script = sts["spec"]["template"]["spec"]["containers"][0]["command"][2]
        .as_str()
        .unwrap();
    assert!(script.contains("echo \"$((ord + 1))\" > /var/lib/zookeeper/myid"));
    for name in ["client", "quorum", "election"] {
        assert_eq!(
            port(&hs["spec"]["ports"], name, "port"),
            port(cports, name, "containerPort")
        );
    }
    let client = find(&objs, "Service", "zk");
    assert_eq!(
        port(&client["spec"]["ports"], "client", "port"),
        port(cports, "client", "containerPort")
    );
    // The masters' recovery URL names every server.
    let scm = find(&objs, "ConfigMap", "spark-conf");
    let env = scm["data"]["master-0.spark-env.sh"].as_str().unwrap();
    let zk_url: Vec<String> = (0..replicas)
        .map(|j| {
            format!(
                "zk-{}.{}.spark.svc.cluster.local:{}",
                j,
                hs_name,
                port(cports, "client", "containerPort")
            )
        })
        .collect();
    assert!(
        env.contains(&format!(
            "-Dspark.deploy.zookeeper.url={} ",
            zk_url.join(",")
        )),
        "{}",
        env
    );
    assert!(env.contains("-Dspark.deploy.recoveryMode=ZOOKEEPER"));
    let pdb = find(&objs, "PodDisruptionBudget", "zk");
    assert_eq!(pdb["spec"]["maxUnavailable"], 1);
}

/// The ConfigMaps' spark-defaults.conf and zoo.cfg are what the SSH mode
/// renders for hosts with the same names and the same settings.
#[test]
fn config_files_equal_the_ssh_modes() {
    let (_, files) = rendered_dir("ssh-equal", &example_text());
    let objs = parse_all(&files);
    let k8s = example_text();
    let section = |name: &str| -> String {
        let start = k8s.find(&format!("[{}]\n", name)).unwrap();
        let rest = &k8s[start..];
        let end = rest[1..].find("\n[").map(|i| i + 2).unwrap_or(rest.len());
        rest[..end].to_string()
    };
    let mut ssh = format!(
        "[cluster]\nname = \"k8s\"\nha = \"zookeeper\"\n{}tarball = \"/nonexistent/spark-4.0.1-bin-hadoop3.tgz\"\n{}tarball = \"/nonexistent/apache-zookeeper-3.9.3-bin.tar.gz\"\n",
        section("spark"),
        section("zookeeper")
    );
    for i in 0..3 {
        ssh.push_str(&format!("[[host]]\nname = \"master-{i}\"\naddress = \"master-{i}.spark.svc.cluster.local\"\nroles = [\"master\"]\n"));
    }
    for i in 0..3 {
        ssh.push_str(&format!("[[host]]\nname = \"zk-{i}\"\naddress = \"zk-{i}.zk-hs.spark.svc.cluster.local\"\nroles = [\"zookeeper\"]\n"));
    }
    ssh.push_str("[[host]]\nname = \"w\"\nroles = [\"worker\"]\n");
    let p = write_temp("ssh-equal.toml", &ssh);
    let cluster = sparkctl::inventory::load(&p).unwrap_or_else(|e| panic!("{}", e));
    let spark = LocalDist::assumed(Product::Spark, &cluster.spark.source).unwrap();
    let zk = LocalDist::assumed(
        Product::ZooKeeper,
        cluster.zookeeper.source.as_ref().unwrap(),
    )
    .unwrap();
    let dists = Dists {
        spark: &spark,
        zookeeper: Some(&zk),
    };
    let renderer = Renderer::new(&cluster).unwrap();
    let file = |host: &str, template: &str| -> String {
        renderer
            .host_files(&cluster, &dists, cluster.host(host).unwrap())
            .unwrap()
            .into_iter()
            .find(|f| f.template == template && !f.secret)
            .unwrap()
            .content
    };
    let scm = find(&objs, "ConfigMap", "spark-conf");
    assert_eq!(
        scm["data"]["spark-defaults.conf"].as_str().unwrap(),
        file("master-0", "spark-defaults.conf")
    );
    assert_eq!(
        scm["data"]["spark-defaults.conf"].as_str().unwrap(),
        file("w", "spark-defaults.conf"),
        "workers and masters share one spark-defaults.conf"
    );
    let zcm = find(&objs, "ConfigMap", "zk-conf");
    for i in 0..3 {
        assert_eq!(
            zcm["data"][format!("zk-{}.zoo.cfg", i)].as_str().unwrap(),
            file(&format!("zk-{}", i), "zoo.cfg")
        );
        assert_eq!(
            zcm["data"][format!("zk-{}.java.env", i)].as_str().unwrap(),
            file(&format!("zk-{}", i), "java.env")
        );
    }
}

#[test]
fn secret_is_kept_and_never_printed() {
    let (dir, files) = rendered_dir("secret", &example_text());
    let secret_file = dir.join("k8s.secret");
    let meta =
        std::fs::metadata(&secret_file).expect("the secret is generated beside the inventory");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let secret = std::fs::read_to_string(&secret_file)
        .unwrap()
        .trim()
        .to_string();
    let (name, yaml) = files.iter().find(|(n, _)| n.contains("-secret-")).unwrap();
    let mode = std::fs::metadata(dir.join("out").join(name))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "{}", name);
    let v: Value = serde_norway::from_str(yaml).unwrap();
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(v["data"]["secret"].as_str().unwrap())
        .unwrap();
    assert_eq!(String::from_utf8(decoded).unwrap(), secret);
    for (n, t) in &files {
        if n != name {
            assert!(!t.contains(&secret), "{} holds the secret", n);
        }
    }
    // Rendered again: the same secret (kept in the file), and on stdout no
    // Secret and no secret.
    let inv = dir.join("k8s.toml");
    let o = sparkctl(&["k8s", "render", inv.to_str().unwrap(), "--print-submit"]);
    assert_eq!(o.status.code(), Some(0));
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert!(!out.contains("kind: Secret"), "{}", out);
    assert!(!out.contains(&secret) && !err.contains(&secret));
    let encoded = base64::engine::general_purpose::STANDARD.encode(secret.as_bytes());
    assert!(!out.contains(&encoded) && !err.contains(&encoded));
    assert!(
        err.contains("the Secret `spark-auth` is not printed"),
        "{}",
        err
    );
    assert_eq!(
        std::fs::read_to_string(&secret_file).unwrap().trim(),
        secret
    );
    assert!(err.contains("client mode:  spark-submit --master spark://master-0.spark.svc.cluster.local:7077,master-1.spark.svc.cluster.local:7077,master-2.spark.svc.cluster.local:7077 ...\n"), "{}", err);
    let o = sparkctl(&[
        "k8s",
        "render",
        inv.to_str().unwrap(),
        "-o",
        dir.join("out").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let again = std::fs::read_to_string(dir.join("out").join(name)).unwrap();
    assert_eq!(&again, yaml, "the Secret is the same on every render");
    // `check` knows Kubernetes inventories.
    let o = sparkctl(&["check", example().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

fn render_err(name: &str, inventory: &str) -> (Option<i32>, String) {
    let p = write_temp(name, inventory);
    let out = sparkctl(&["k8s", "render", p.to_str().unwrap()]);
    (
        out.status.code(),
        text(&out.stderr).replace(p.to_str().unwrap(), "INV"),
    )
}

#[test]
fn even_or_single_zookeeper_replicas_are_refused() {
    let (code, err) = render_err(
        "even.toml",
        &example_text().replace("zookeeper_replicas = 3", "zookeeper_replicas = 4"),
    );
    assert_eq!(code, Some(2));
    assert_eq!(err, "error: HA mode `zookeeper` needs an odd number of ZooKeeper replicas, at least 3; found 4\n  --> INV:25:22\n   |\n25 | zookeeper_replicas = 4\n   |                      ^\n   = help: a quorum of N servers survives (N-1)/2 failures: 1 or 2 servers survive none; use 3 or 5\n");
    let (code, err) = render_err(
        "single.toml",
        &example_text().replace("zookeeper_replicas = 3", "zookeeper_replicas = 1"),
    );
    assert_eq!(code, Some(2));
    assert_eq!(err, "error: HA mode `zookeeper` needs an odd number of ZooKeeper replicas, at least 3; found 1\n  --> INV:25:22\n   |\n25 | zookeeper_replicas = 1\n   |                      ^\n   = help: a quorum of N servers survives (N-1)/2 failures: 1 or 2 servers survive none; use 3 or 5\n");
}

#[test]
fn zero_masters_are_refused() {
    let (code, err) = render_err(
        "zero.toml",
        &example_text().replace("master_replicas = 3", "master_replicas = 0"),
    );
    assert_eq!(code, Some(2));
    assert_eq!(err, "error: master_replicas must be at least 1\n  --> INV:24:19\n   |\n24 | master_replicas = 0\n   |                   ^\n   = help: use 2 or 3 masters for HA (ZooKeeper elects one ALIVE, the others wait as STANDBY), or 1 with ha = \"none\"\n");
}

#[test]
fn secret_bearing_properties_are_refused() {
    let (code, err) = render_err(
        "auth.toml",
        &example_text().replace(
            "defaults = { ",
            "defaults = { \"spark.authenticate.secret\" = \"hunter2hunter2hunter2\", ",
        ),
    );
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with(
            "error: `spark.authenticate.secret` is managed by sparkctl\n  --> INV:14:44\n"
        ),
        "{}",
        err
    );
    assert!(err.ends_with("  = help: set `authenticate = true` in [spark]: the secret is generated, kept in `secret_file` and given only to the daemons (mode 0600), never written to spark-defaults.conf\n"), "{}", err);
    let (code, err) = render_err(
        "password.toml",
        &example_text().replace(
            "defaults = { ",
            "defaults = { \"spark.ssl.keyPassword\" = \"x\", ",
        ),
    );
    assert_eq!(code, Some(2));
    assert_eq!(err, "error: `spark.ssl.keyPassword` looks like a credential and would be stored in a ConfigMap\n  --> INV:14:40\n   |\n14 | defaults = { \"spark.ssl.keyPassword\" = \"x\", \"spark.eventLog.enabled\" = \"true\", \"spark.eventLog.dir\" = \"file:/spark-events\" }\n   |                                        ^^^\n   = help: ConfigMaps are readable by anyone who may read the namespace's configuration: give credentials to Spark another way (a Secret mounted by your own manifests, or a credentials provider)\n");
}

#[test]
fn unknown_keys_are_refused() {
    let (code, err) = render_err(
        "unknown.toml",
        &example_text().replace(
            "master_replicas = 3",
            "master_replicas = 3\nworker_replica = 2",
        ),
    );
    assert_eq!(code, Some(2));
    assert_eq!(err, "error: unknown key `worker_replica`\n  --> INV:25:1\n   |\n25 | worker_replica = 2\n   | ^^^^^^^^^^^^^^\n   = help: did you mean `worker_replicas`?\n");
    let (code, err) = render_err(
        "tarball.toml",
        &example_text().replace(
            "[spark]\n",
            "[spark]\ntarball = \"spark-4.0.1-bin-hadoop3.tgz\"\n",
        ),
    );
    assert_eq!(code, Some(2));
    assert_eq!(err, "error: `tarball` is not used with [kubernetes]\n --> INV:9:11\n  |\n9 | tarball = \"spark-4.0.1-bin-hadoop3.tgz\"\n  |           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n  = help: the distribution is `spark_image` in [kubernetes]\n");
    let (code, err) = render_err(
        "host.toml",
        &format!(
            "{}\n[[host]]\nname = \"a\"\nroles = [\"master\"]\n",
            example_text()
        ),
    );
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: [[host]] is not used with [kubernetes]\n"),
        "{}",
        err
    );
    let o = sparkctl(&[
        "k8s",
        "render",
        root().join("inventories/abc.toml").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr).replace(root().join("inventories/abc.toml").to_str().unwrap(), "INV"),
        "error: the inventory has no [kubernetes] section\n  --> INV\n  = help: `k8s render` needs [kubernetes] with at least `spark_image` (see docs/kubernetes.md); an inventory with [[host]] tables is deployed over SSH with `sparkctl deploy`\n"
    );
}

#[test]
fn rest_and_history_ports_agree() {
    let inv = example_text().replace("authenticate = true", "rest = true\nrest_port = 6067");
    let (_, files) = rendered_dir("rest", &inv);
    let objs = parse_all(&files);
    let sts = find(&objs, "StatefulSet", "master");
    let cports = &sts["spec"]["template"]["spec"]["containers"][0]["ports"];
    assert_eq!(port(cports, "rest", "containerPort"), 6067);
    for i in 0..3 {
        let svc = find(&objs, "Service", &format!("master-{}", i));
        assert_eq!(port(&svc["spec"]["ports"], "rest", "port"), 6067);
    }
    let cm = find(&objs, "ConfigMap", "spark-conf");
    let defaults = cm["data"]["spark-defaults.conf"].as_str().unwrap();
    assert!(
        defaults.contains("\nspark.master.rest.enabled true\nspark.master.rest.port 6067\n"),
        "{}",
        defaults
    );
    // The history server reads where applications write, on the port its Service exposes.
    let h = find(&objs, "Deployment", "history");
    let c = &h["spec"]["template"]["spec"]["containers"][0];
    let script = c["command"][2].as_str().unwrap();
    assert!(script.contains(
        "-Dspark.history.fs.logDirectory=file:/spark-events -Dspark.history.ui.port=18080"
    ));
    assert!(defaults.contains("\nspark.eventLog.dir file:/spark-events\n"));
    assert_eq!(port(&c["ports"], "webui", "containerPort"), 18080);
    let svc = find(&objs, "Service", "history");
    assert_eq!(port(&svc["spec"]["ports"], "webui", "port"), 18080);
    let pvc = find(&objs, "PersistentVolumeClaim", "spark-events");
    assert_eq!(pvc["spec"]["accessModes"][0], "ReadWriteMany");
    let w = find(&objs, "Deployment", "worker");
    for pod in [h, w] {
        let mounts = pod["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
            .as_array()
            .unwrap();
        assert!(
            mounts
                .iter()
                .any(|m| m["name"] == "events" && m["mountPath"] == "/spark-events"),
            "{}",
            pod["metadata"]["name"]
        );
    }
}
