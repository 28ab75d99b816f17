//! The Mesos cluster dispatcher's probe: its web UI (`GET /`) answers
//! HTTP 200. The UI is bound before the dispatcher registers with the
//! Mesos master, so "up" says the dispatcher runs, not that Mesos accepted
//! it (its page says that). Spoken through the same route as every other
//! probe (`route`).

use super::route::{ProbeError, Route};
use super::spark::http_get;
use crate::inventory::{Cluster, Host};

/// The dispatcher on `h`, at `[mesos] ui_port`.
pub async fn mesos_dispatcher(
    route: &Route,
    cluster: &Cluster,
    h: &Host,
) -> Result<(), ProbeError> {
    http_get(route, h, ui_port(cluster), "/").await.map(|_| ())
}

/// Its UI port (8081 when the cluster has no `[mesos]`: never probed then).
pub fn ui_port(cluster: &Cluster) -> u16 {
    cluster.mesos.as_ref().map_or(8081, |t| t.ui_port)
}

/// `mesos://address:port`: where clients submit (`spark-submit --master`).
pub fn dispatcher_url(cluster: &Cluster, h: &Host) -> String {
    format!(
        "mesos://{}:{}",
        h.address,
        cluster.mesos.as_ref().map_or(7077, |t| t.port)
    )
}
