//! The Spark daemons: the masters (a StatefulSet and a Service per pod),
//! the workers (a Deployment) and the optional history server, with the
//! start script that hands each daemon its configuration and secret.

use super::objects::{
    anti_affinity, claim_spec, container_security, disruption_budget, env_field, headless_service,
    meta, mi, pod_template, security, selector, service, stateful_set, ui_probe, workload,
};
use super::{
    Objects, RUN_CONF, SECRET, SECRET_MOUNT, SPARK_CONFIGMAP, SPARK_CONF_MOUNT, SPARK_HOME,
};
use crate::k8s::inventory::{History, K8sCluster, HISTORY, MASTER, MASTER_HEADLESS, WORKER};
use serde_json::{json, Value};

/// What a master or the history server asks for: its heap and 512 MiB more.
fn daemon_memory(k: &K8sCluster) -> String {
    mi(crate::inventory::memory_mb(&k.spark().daemon_memory).unwrap_or(1024) + 512)
}

/// The shell that starts a Spark daemon in the foreground: spark-env.sh and
/// spark-defaults.conf copied into `SPARK_CONF_DIR`; with authentication,
/// the daemon's properties file is assembled there (mode 0600) from
/// spark-defaults.conf and the Secret's files, read with `cat`, so the
/// secret is never on a command line or in the environment.
pub(super) fn spark_start(
    k: &K8sCluster,
    env_file: &str,
    class: &str,
    args: &str,
    rest_key: bool,
) -> String {
    let mut s = format!(
        "set -eu\nconf={run}\ncp {m}/spark-defaults.conf \"$conf/spark-defaults.conf\"\ncp {m}/{env} \"$conf/spark-env.sh\"\nprops=\"$conf/spark-defaults.conf\"\n",
        run = RUN_CONF,
        m = SPARK_CONF_MOUNT,
        env = env_file
    );
    if k.cluster.spark.auth.is_some() {
        s.push_str(&format!(
            "umask 077\n{{ cat {m}/spark-defaults.conf; echo 'spark.authenticate true'; printf 'spark.authenticate.secret '; cat {sec}/secret; echo;{rest} }} > \"$conf/spark-daemon.conf\"\nprops=\"$conf/spark-daemon.conf\"\n",
            m = SPARK_CONF_MOUNT,
            sec = SECRET_MOUNT,
            rest = if rest_key {
                format!(
                    " printf '{} '; cat {}/rest-key; echo;",
                    crate::rest::JWS_KEY_PROPERTY,
                    SECRET_MOUNT
                )
            } else {
                String::new()
            }
        ));
    }
    s.push_str(&format!(
        "export SPARK_CONF_DIR=\"$conf\"\nexec {}/bin/spark-class {} --properties-file \"$props\"{}\n",
        SPARK_HOME,
        class,
        if args.is_empty() {
            String::new()
        } else {
            format!(" {}", args)
        }
    ));
    s
}

pub(super) fn conf_volumes(k: &K8sCluster, with_secret: bool, rest_key: bool) -> Vec<Value> {
    let mut v = vec![
        json!({ "name": "conf", "configMap": { "name": SPARK_CONFIGMAP } }),
        json!({ "name": "run-conf", "emptyDir": {} }),
    ];
    if with_secret && k.cluster.spark.auth.is_some() {
        let mut items = vec![json!({ "key": "secret", "path": "secret" })];
        if rest_key {
            items.push(json!({ "key": "rest-key", "path": "rest-key" }));
        }
        v.push(json!({ "name": "secret", "secret": {
            "secretName": SECRET, "defaultMode": 0o400, "items": items
        } }));
    }
    v
}

pub(super) fn conf_mounts(k: &K8sCluster, with_secret: bool) -> Vec<Value> {
    let mut v = vec![
        json!({ "name": "conf", "mountPath": SPARK_CONF_MOUNT, "readOnly": true }),
        json!({ "name": "run-conf", "mountPath": RUN_CONF }),
    ];
    if with_secret && k.cluster.spark.auth.is_some() {
        v.push(json!({ "name": "secret", "mountPath": SECRET_MOUNT, "readOnly": true }));
    }
    v
}

/// `config_hash`: of the Spark ConfigMap, as for every Spark pod.
pub(super) fn masters(k: &K8sCluster, config_hash: &str, out: &mut Objects) {
    let (c, spark) = (&k.cluster, k.spark());
    let mut mports = vec![
        json!({ "name": "rpc", "port": spark.master_port, "targetPort": "rpc" }),
        json!({ "name": "webui", "port": spark.master_webui_port, "targetPort": "webui" }),
    ];
    let mut mcports = vec![
        json!({ "name": "rpc", "containerPort": spark.master_port }),
        json!({ "name": "webui", "containerPort": spark.master_webui_port }),
    ];
    if c.spark.rest {
        mports.push(json!({ "name": "rest", "port": spark.rest_port, "targetPort": "rest" }));
        mcports.push(json!({ "name": "rest", "containerPort": spark.rest_port }));
    }
    out.push(headless_service(
        k,
        MASTER_HEADLESS,
        "spark-master",
        json!(mports),
    ));
    for i in 0..k.master_replicas {
        let name = k.master_name(i);
        let mut sel = selector(k, "spark-master");
        sel["statefulset.kubernetes.io/pod-name"] = json!(name);
        out.push(service(k, &name, "spark-master", sel, json!(mports)));
    }
    if k.master_replicas > 1 {
        out.push(disruption_budget(k, MASTER, "spark-master"));
    }
    let daemon_mem = daemon_memory(k);
    let rest_key = c.spark.rest;
    let pod = json!({
        "affinity": anti_affinity(k, "spark-master"),
        "securityContext": security(k.spark_uid),
        "containers": [{
            "name": "master",
            "image": k.spark_image,
            "imagePullPolicy": k.image_pull_policy,
            "command": ["/bin/bash", "-c", spark_start(k, "${HOSTNAME}.spark-env.sh", "org.apache.spark.deploy.master.Master", "", rest_key)],
            "ports": mcports,
            "readinessProbe": ui_probe("webui", 10),
            "livenessProbe": ui_probe("webui", 30),
            "resources": {
                "requests": { "cpu": "500m", "memory": daemon_mem },
                "limits": { "memory": daemon_mem } },
            "securityContext": container_security(),
            "volumeMounts": conf_mounts(k, true),
        }],
        "volumes": conf_volumes(k, true, rest_key),
    });
    out.push(stateful_set(
        k,
        MASTER,
        "spark-master",
        MASTER_HEADLESS,
        k.master_replicas,
        pod_template(k, "spark-master", config_hash, pod),
    ));
}

pub(super) fn workers(k: &K8sCluster, config_hash: &str, out: &mut Objects) {
    let (c, spark) = (&k.cluster, k.spark());
    let worker_mb = k.worker_memory_mb
        + k.worker_memory_mb / 10
        + crate::inventory::memory_mb(&spark.daemon_memory).unwrap_or(1024)
        + 512;
    let mut wports = vec![json!({ "name": "webui", "containerPort": spark.worker_webui_port })];
    if let Some(p) = spark.worker_port {
        wports.push(json!({ "name": "rpc", "containerPort": p }));
    }
    let mut wmounts = conf_mounts(k, true);
    wmounts.push(json!({ "name": "work", "mountPath": spark.worker_dir }));
    let mut wvolumes = conf_volumes(k, true, false);
    wvolumes.push(json!({ "name": "work", "emptyDir": {} }));
    if let Some(p) = k.history.as_ref().and_then(|h| h.local_path.as_ref()) {
        // Drivers in cluster mode run on workers and write event logs there.
        wmounts.push(json!({ "name": "events", "mountPath": p }));
        wvolumes.push(
            json!({ "name": "events", "persistentVolumeClaim": { "claimName": "spark-events" } }),
        );
    }
    let pod = json!({
        "securityContext": security(k.spark_uid),
        "containers": [{
            "name": "worker",
            "image": k.spark_image,
            "imagePullPolicy": k.image_pull_policy,
            "command": ["/bin/bash", "-c", spark_start(k, &format!("{}.spark-env.sh", WORKER), "org.apache.spark.deploy.worker.Worker", &c.master_url(), false)],
            "env": [env_field("SPARKCTL_POD_IP", "status.podIP")],
            "ports": wports,
            "livenessProbe": ui_probe("webui", 30),
            "resources": {
                "requests": { "cpu": k.worker_cores.to_string(), "memory": mi(worker_mb) },
                "limits": { "cpu": k.worker_cores.to_string(), "memory": mi(worker_mb) } },
            "securityContext": container_security(),
            "volumeMounts": wmounts,
        }],
        "volumes": wvolumes,
    });
    out.push(workload(
        k,
        "Deployment",
        WORKER,
        "spark-worker",
        k.worker_replicas,
        pod_template(k, "spark-worker", config_hash, pod),
    ));
}

pub(super) fn history(k: &K8sCluster, h: &History, config_hash: &str, out: &mut Objects) {
    let mut mounts = conf_mounts(k, false);
    let mut volumes = conf_volumes(k, false, false);
    if let Some(p) = &h.local_path {
        out.push(json!({ "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": meta(k, "spark-events", "spark-history"),
            "spec": claim_spec(k, "ReadWriteMany", &h.storage) }));
        mounts.push(json!({ "name": "events", "mountPath": p }));
        volumes.push(
            json!({ "name": "events", "persistentVolumeClaim": { "claimName": "spark-events" } }),
        );
    }
    let start = format!(
        "set -eu\nconf={run}\ncp {m}/spark-defaults.conf \"$conf/spark-defaults.conf\"\nexport SPARK_CONF_DIR=\"$conf\"\nexport SPARK_HISTORY_OPTS='-Dspark.history.fs.logDirectory={dir} -Dspark.history.ui.port={port}'\nexec {home}/bin/spark-class org.apache.spark.deploy.history.HistoryServer\n",
        run = RUN_CONF,
        m = SPARK_CONF_MOUNT,
        dir = h.log_dir,
        port = h.port,
        home = SPARK_HOME
    );
    let daemon_mem = daemon_memory(k);
    let pod = json!({
        "securityContext": security(k.spark_uid),
        "containers": [{
            "name": "history",
            "image": k.spark_image,
            "imagePullPolicy": k.image_pull_policy,
            "command": ["/bin/bash", "-c", start],
            "ports": [{ "name": "webui", "containerPort": h.port }],
            "readinessProbe": ui_probe("webui", 10),
            "livenessProbe": ui_probe("webui", 30),
            "resources": {
                "requests": { "cpu": "250m", "memory": daemon_mem },
                "limits": { "memory": daemon_mem } },
            "securityContext": container_security(),
            "volumeMounts": mounts,
        }],
        "volumes": volumes,
    });
    out.push(workload(
        k,
        "Deployment",
        HISTORY,
        "spark-history",
        1,
        pod_template(k, "spark-history", config_hash, pod),
    ));
    out.push(service(
        k,
        HISTORY,
        "spark-history",
        selector(k, "spark-history"),
        json!([{ "name": "webui", "port": h.port, "targetPort": "webui" }]),
    ));
}
