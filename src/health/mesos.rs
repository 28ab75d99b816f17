//! The Mesos cluster dispatcher's probe: its web UI (`GET /`) answers
//! HTTP 200. The UI is bound before the dispatcher registers with the
//! Mesos master, so "up" says the dispatcher runs, not that Mesos accepted
//! it (its page says that). Spoken through the same route as every other
//! probe (`route`).

use super::route::{ProbeError, Route};
use super::spark::{http_get, parse_http};
use crate::inventory::{Cluster, Host};

/// The dispatcher on `h`, at `[mesos] ui_port`.
pub async fn mesos_dispatcher(
    route: &Route,
    cluster: &Cluster,
    h: &Host,
) -> Result<(), ProbeError> {
    let port = ui_port(cluster);
    match cluster.mesos.as_ref().map(|m| m.bind_address(h)) {
        // Bound to its host's loopback (`[spark] authenticate`): dialled
        // there by the host's sshd.
        Some(at) if at != h.address => {
            let req = format!(
                "GET / HTTP/1.0\r\nHost: {}:{}\r\nConnection: close\r\n\r\n",
                at, port
            );
            let text = route.exchange_at(h, at, port, req.as_bytes()).await?;
            parse_http(&text)
                .map(|_| ())
                .map_err(ProbeError::Unexpected)
        }
        _ => http_get(route, h, port, "/").await.map(|_| ()),
    }
}

/// Its UI port (8081 when the cluster has no `[mesos]`: never probed then).
pub fn ui_port(cluster: &Cluster) -> u16 {
    cluster.mesos.as_ref().map_or(8081, |t| t.ui_port)
}

/// `mesos://address:port`: where clients submit (`spark-submit --master`);
/// `mesos://127.0.0.1:port` when it listens on its host's loopback only
/// (`[spark] authenticate`): clients submit on that host or through an SSH
/// tunnel to it.
pub fn dispatcher_url(cluster: &Cluster, h: &Host) -> String {
    let at = cluster
        .mesos
        .as_ref()
        .map_or(h.address.as_str(), |m| m.bind_address(h));
    format!(
        "mesos://{}:{}",
        at,
        cluster.mesos.as_ref().map_or(7077, |t| t.port)
    )
}

/// What `check` says about the dispatcher's exposure: under `[spark]
/// authenticate` it listens on its host's loopback alone.
pub fn dispatcher_note(cluster: &Cluster) -> Option<String> {
    let m = cluster.mesos.as_ref().filter(|m| m.loopback)?;
    let h = cluster.mesos_dispatcher_hosts().next()?;
    Some(format!(
        "note: the Mesos dispatcher on {} listens on 127.0.0.1 only (ports {} and {}): with `authenticate = true` in [spark], which Spark's dispatcher does not enforce, its submission port and UI would otherwise take drivers and requests from anyone who reaches them; submit on {} (`spark-submit --master mesos://127.0.0.1:{}`) or through an SSH tunnel",
        h.name, m.port, m.ui_port, h.name, m.port
    ))
}
