//! The pieces every object is made of: labels and metadata, Services,
//! PodDisruptionBudgets, volume claims, pod templates and workloads, pod
//! and container security. Written once so that the objects of every
//! component are labelled, selected and secured the same way.

use super::super::inventory::{AntiAffinity, K8sCluster};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

pub(super) fn labels(k: &K8sCluster, component: &str) -> Value {
    json!({
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/instance": k.cluster.name,
        "app.kubernetes.io/managed-by": "sparkctl",
    })
}

pub(super) fn selector(k: &K8sCluster, component: &str) -> Value {
    json!({
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/instance": k.cluster.name,
    })
}

pub(super) fn meta(k: &K8sCluster, name: &str, component: &str) -> Value {
    json!({ "name": name, "namespace": k.namespace, "labels": labels(k, component) })
}

/// The sha256 of a ConfigMap's files: the pods' annotation, so that a
/// changed file rolls the pods that read it.
pub(super) fn config_hash(data: &Map<String, Value>) -> String {
    let parts: Vec<&str> = data.values().map(|v| v.as_str().unwrap_or("")).collect();
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{:02x}", b)).collect()
}

pub(super) fn config_map(
    k: &K8sCluster,
    name: &str,
    component: &str,
    data: Map<String, Value>,
) -> Value {
    json!({ "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": meta(k, name, component), "data": data })
}

/// A headless Service that publishes not-ready pods: the members of a
/// StatefulSet find each other by name before any of them is ready.
pub(super) fn headless_service(k: &K8sCluster, name: &str, component: &str, ports: Value) -> Value {
    json!({ "apiVersion": "v1", "kind": "Service",
        "metadata": meta(k, name, component),
        "spec": { "clusterIP": "None", "publishNotReadyAddresses": true,
            "selector": selector(k, component), "ports": ports } })
}

/// A ClusterIP Service of `component` selecting the pods `selector` matches.
pub(super) fn service(
    k: &K8sCluster,
    name: &str,
    component: &str,
    selector: Value,
    ports: Value,
) -> Value {
    json!({ "apiVersion": "v1", "kind": "Service",
        "metadata": meta(k, name, component),
        "spec": { "type": "ClusterIP", "selector": selector, "ports": ports } })
}

/// At most one of `component`'s pods down at a time for voluntary
/// disruptions (node drains): a quorum or a standby master survives.
pub(super) fn disruption_budget(k: &K8sCluster, name: &str, component: &str) -> Value {
    json!({ "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": meta(k, name, component),
        "spec": { "maxUnavailable": 1, "selector": { "matchLabels": selector(k, component) } } })
}

/// A PersistentVolumeClaim's spec, in the inventory's storage class if it names one.
pub(super) fn claim_spec(k: &K8sCluster, access_mode: &str, storage: &str) -> Value {
    let mut spec = json!({ "accessModes": [access_mode],
        "resources": { "requests": { "storage": storage } } });
    if let Some(sc) = &k.storage_class {
        spec["storageClassName"] = json!(sc);
    }
    spec
}

/// The pods of `component`, annotated with the hash of their configuration.
pub(super) fn pod_template(
    k: &K8sCluster,
    component: &str,
    config_hash: &str,
    spec: Value,
) -> Value {
    json!({
        "metadata": { "labels": labels(k, component),
            "annotations": { "sparkctl/config-sha256": config_hash } },
        "spec": spec,
    })
}

/// A Deployment (or the base of a StatefulSet) of `replicas` pods of `component`.
pub(super) fn workload(
    k: &K8sCluster,
    kind: &str,
    name: &str,
    component: &str,
    replicas: u32,
    pod: Value,
) -> Value {
    json!({ "apiVersion": "apps/v1", "kind": kind,
        "metadata": meta(k, name, component),
        "spec": {
            "replicas": replicas,
            "selector": { "matchLabels": selector(k, component) },
            "template": pod,
        } })
}

/// A StatefulSet behind the headless Service `service_name`, its pods
/// started in parallel (see the module header of `manifests`).
pub(super) fn stateful_set(
    k: &K8sCluster,
    name: &str,
    component: &str,
    service_name: &str,
    replicas: u32,
    pod: Value,
) -> Value {
    let mut v = workload(k, "StatefulSet", name, component, replicas, pod);
    v["spec"]["serviceName"] = json!(service_name);
    v["spec"]["podManagementPolicy"] = json!("Parallel");
    v["spec"]["updateStrategy"] = json!({ "type": "RollingUpdate" });
    v
}

pub(super) fn anti_affinity(k: &K8sCluster, component: &str) -> Value {
    let term = json!({
        "labelSelector": { "matchLabels": selector(k, component) },
        "topologyKey": "kubernetes.io/hostname",
    });
    match k.anti_affinity {
        AntiAffinity::Required => json!({
            "podAntiAffinity": { "requiredDuringSchedulingIgnoredDuringExecution": [term] }
        }),
        AntiAffinity::Preferred => json!({
            "podAntiAffinity": { "preferredDuringSchedulingIgnoredDuringExecution": [
                { "weight": 100, "podAffinityTerm": term }
            ] }
        }),
    }
}

pub(super) fn mi(mb: u64) -> String {
    format!("{}Mi", mb)
}

pub(super) fn security(uid: u32) -> Value {
    json!({ "runAsNonRoot": true, "runAsUser": uid, "runAsGroup": uid, "fsGroup": uid })
}

pub(super) fn container_security() -> Value {
    json!({ "allowPrivilegeEscalation": false, "capabilities": { "drop": ["ALL"] } })
}

pub(super) fn env_field(name: &str, path: &str) -> Value {
    json!({ "name": name, "valueFrom": { "fieldRef": { "fieldPath": path } } })
}

/// The web UI answers on ALIVE and STANDBY masters alike: a STANDBY
/// master is healthy, so liveness must not ask for ALIVE.
pub(super) fn ui_probe(port: &str, delay: u32) -> Value {
    json!({ "httpGet": { "path": "/", "port": port },
        "initialDelaySeconds": delay, "periodSeconds": 10, "timeoutSeconds": 5 })
}
