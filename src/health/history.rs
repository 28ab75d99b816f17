//! The history server's REST API (`GET /api/v1/applications`): it is up
//! when that answers HTTP 200 with a JSON array of applications. Spoken
//! through the same route as every other probe (`route`).

use super::route::{ProbeError, Route};
use super::spark::http_get;
use crate::inventory::{Cluster, Host};
use serde::{Deserialize, Serialize};

/// The REST API's path, under the UI port.
pub const APPLICATIONS: &str = "/api/v1/applications";

/// One application the history server lists (the fields sparkctl reads).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct HistoryApp {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub attempts: Vec<HistoryAttempt>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct HistoryAttempt {
    #[serde(default)]
    pub completed: bool,
}

impl HistoryApp {
    /// Its last attempt has ended (Spark lists attempts newest first).
    pub fn completed(&self) -> bool {
        self.attempts.first().is_some_and(|a| a.completed)
    }
}

/// What the history server answered: the applications it lists.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HistoryJson {
    pub applications: Vec<HistoryApp>,
}

pub fn parse_applications(body: &str) -> Result<HistoryJson, String> {
    serde_json::from_str::<Vec<HistoryApp>>(body)
        .map(|applications| HistoryJson { applications })
        .map_err(|e| format!("unexpected {} answer: {}", APPLICATIONS, e))
}

/// The history server on `h`, at `[history] ui_port`.
pub async fn history(
    route: &Route,
    cluster: &Cluster,
    h: &Host,
) -> Result<HistoryJson, ProbeError> {
    let body = http_get(route, h, ui_port(cluster), APPLICATIONS).await?;
    parse_applications(&body).map_err(ProbeError::Unexpected)
}

/// Its port (18080 when the cluster has no `[history]`: never probed then).
pub fn ui_port(cluster: &Cluster) -> u16 {
    cluster.history.as_ref().map_or(18080, |t| t.ui_port)
}

/// `http://address:port`: what `status` shows and the masters link to.
pub fn history_url(cluster: &Cluster, h: &Host) -> String {
    format!("http://{}:{}", h.address, ui_port(cluster))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applications_are_read_from_spark_s_answer() {
        // As Spark 4.3's history server prints it (Jackson, pretty).
        let body = r#"[ {
  "id" : "app-20261203172501-0000",
  "name" : "pi",
  "attempts" : [ {
    "startTime" : "2026-12-03T17:25:00.321GMT",
    "duration" : 5120,
    "sparkUser" : "root",
    "completed" : true,
    "appSparkVersion" : "4.3.0"
  } ]
} ]"#;
        let h = parse_applications(body).unwrap();
        assert_eq!(h.applications.len(), 1);
        assert!(h.applications[0].completed());
        assert_eq!(parse_applications("[]").unwrap().applications, vec![]);
        let e = parse_applications("{\"status\":\"ALIVE\"}").unwrap_err();
        assert!(
            e.starts_with("unexpected /api/v1/applications answer"),
            "{}",
            e
        );
    }
}
