//! The ZooKeeper ensemble: a headless Service for the servers, a client
//! Service, a PodDisruptionBudget and the StatefulSet (see the module
//! header of `manifests` for why each is shaped as it is).

use super::objects::{
    anti_affinity, claim_spec, container_security, disruption_budget, headless_service, mi,
    pod_template, security, selector, service, stateful_set,
};
use super::{Objects, RUN_CONF, ZK_CONFIGMAP, ZK_CONF_MOUNT};
use crate::k8s::inventory::{K8sCluster, ZK, ZK_HEADLESS};
use serde_json::json;

/// `config_hash`: of the ZooKeeper ConfigMap, so a changed zoo.cfg rolls the servers.
pub(super) fn objects(k: &K8sCluster, config_hash: &str, out: &mut Objects) {
    let z = k.zk();
    let ports = json!([
        { "name": "client", "port": z.client_port, "targetPort": "client" },
        { "name": "quorum", "port": z.quorum_port, "targetPort": "quorum" },
        { "name": "election", "port": z.election_port, "targetPort": "election" },
    ]);
    out.push(headless_service(k, ZK_HEADLESS, "zookeeper", ports));
    out.push(service(
        k,
        ZK,
        "zookeeper",
        selector(k, "zookeeper"),
        json!([{ "name": "client", "port": z.client_port, "targetPort": "client" }]),
    ));
    out.push(disruption_budget(k, ZK, "zookeeper"));
    // `srvr` answers `Mode: leader|follower|standalone` only when the
    // server serves; the whitelist in zoo.cfg allows exactly srvr.
    let ready = format!(
        "exec 3<>/dev/tcp/127.0.0.1/{}; printf srvr >&3; grep -q '^Mode: ' <&3",
        z.client_port
    );
    let start = format!(
        "set -eu\nord=\"${{HOSTNAME##*-}}\"\nconf={run}\ncp \"{m}/{zk}-$ord.zoo.cfg\" \"$conf/zoo.cfg\"\ncp \"{m}/{zk}-$ord.java.env\" \"$conf/java.env\"\ncp \"$(dirname \"$(command -v zkServer.sh)\")/../conf/logback.xml\" \"$conf/\" 2>/dev/null || true\necho \"$((ord + 1))\" > {data}/myid\nexport ZOOCFGDIR=\"$conf\"\nexec zkServer.sh start-foreground \"$conf/zoo.cfg\"\n",
        run = RUN_CONF,
        m = ZK_CONF_MOUNT,
        zk = ZK,
        data = z.data_dir
    );
    let zk_mem = mi(u64::from(z.heap_mb) + 512);
    let pod = json!({
        "affinity": anti_affinity(k, "zookeeper"),
        "securityContext": security(k.zookeeper_uid),
        "containers": [{
            "name": "zookeeper",
            "image": k.zookeeper_image,
            "imagePullPolicy": k.image_pull_policy,
            "command": ["/bin/bash", "-c", start],
            "ports": [
                { "name": "client", "containerPort": z.client_port },
                { "name": "quorum", "containerPort": z.quorum_port },
                { "name": "election", "containerPort": z.election_port },
            ],
            "readinessProbe": { "exec": { "command": ["/bin/bash", "-c", ready] },
                "initialDelaySeconds": 5, "periodSeconds": 5, "timeoutSeconds": 3 },
            "livenessProbe": { "tcpSocket": { "port": "client" },
                "initialDelaySeconds": 15, "periodSeconds": 10 },
            "resources": {
                "requests": { "cpu": "250m", "memory": zk_mem },
                "limits": { "memory": zk_mem } },
            "securityContext": container_security(),
            "volumeMounts": [
                { "name": "data", "mountPath": z.data_dir },
                { "name": "conf", "mountPath": ZK_CONF_MOUNT, "readOnly": true },
                { "name": "run-conf", "mountPath": RUN_CONF },
                { "name": "logs", "mountPath": z.log_dir },
            ],
        }],
        "volumes": [
            { "name": "conf", "configMap": { "name": ZK_CONFIGMAP } },
            { "name": "run-conf", "emptyDir": {} },
            { "name": "logs", "emptyDir": {} },
        ],
    });
    let mut set = stateful_set(
        k,
        ZK,
        "zookeeper",
        ZK_HEADLESS,
        k.zookeeper_replicas,
        pod_template(k, "zookeeper", config_hash, pod),
    );
    set["spec"]["volumeClaimTemplates"] = json!([{ "metadata": { "name": "data" },
        "spec": claim_spec(k, "ReadWriteOnce", &k.zookeeper_storage) }]);
    out.push(set);
}
