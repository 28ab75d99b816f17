//! The Spark masters' and workers' `/json/`: a minimal HTTP/1.0 GET and
//! the typed fields health depends on.

use super::route::{ProbeError, Route};
use crate::inventory::Host;
use serde::{Deserialize, Serialize};

/// Minimal HTTP/1.0 GET: enough for Spark's JSON endpoints, no client crate.
pub async fn http_get(
    route: &Route,
    h: &Host,
    port: u16,
    path: &str,
) -> Result<String, ProbeError> {
    let req = format!(
        "GET {} HTTP/1.0\r\nHost: {}:{}\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
        path, h.address, port
    );
    let text = route.exchange(h, port, req.as_bytes()).await?;
    parse_http(&text).map_err(ProbeError::Unexpected)
}

pub fn parse_http(text: &str) -> Result<String, String> {
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or("malformed HTTP response")?;
    let status = head.lines().next().unwrap_or("");
    let code = status.split_whitespace().nth(1).unwrap_or("");
    if code != "200" {
        return Err(format!(
            "HTTP {}",
            status
                .split_whitespace()
                .skip(1)
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    Ok(body.to_string())
}

/// Declares an enum of the words Spark writes in a `/json/` field, plus
/// `Other` for any word this version does not know (a newer Spark may add
/// some; it is shown as is, never refused). Display, Serialize and
/// Deserialize all use Spark's own word, so `status --json` and every
/// message read exactly as the raw string did before these were typed.
macro_rules! spark_words {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $w:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vm])* $v,)*
            /// A word this version of sparkctl does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            pub fn from_word(s: &str) -> $name {
                match s {
                    $($w => $name::$v,)*
                    other => $name::Other(other.to_string()),
                }
            }
            /// The word as Spark writes it.
            pub fn word(&self) -> &str {
                match self {
                    $($name::$v => $w,)*
                    $name::Other(s) => s,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                // `pad`, not `write_str`: `{:9}` in a table lines up as it
                // did when this was a String.
                f.pad(self.word())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.word())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok($name::from_word(&String::deserialize(d)?))
            }
        }
    };
}

spark_words! {
    /// A master's `status` in its `/json/` (Spark's `RecoveryState`).
    MasterStatus {
        Alive => "ALIVE",
        Standby => "STANDBY",
        Recovering => "RECOVERING",
        CompletingRecovery => "COMPLETING_RECOVERY",
    }
}

spark_words! {
    /// A worker's `state` as its master lists it (Spark's `WorkerState`).
    WorkerState {
        Alive => "ALIVE",
        Dead => "DEAD",
        Decommissioned => "DECOMMISSIONED",
        Unknown => "UNKNOWN",
    }
}

impl MasterStatus {
    /// ALIVE or STANDBY: where a wait for the masters may stop.
    pub fn settled(&self) -> bool {
        matches!(self, MasterStatus::Alive | MasterStatus::Standby)
    }
}

/// The fields of a master's `/json/` that health depends on.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct MasterJson {
    #[serde(default)]
    pub url: String,
    pub status: MasterStatus,
    #[serde(default)]
    pub workers: Vec<WorkerJson>,
    #[serde(default)]
    pub aliveworkers: u32,
    #[serde(default)]
    pub cores: u32,
    #[serde(default)]
    pub memory: u64,
    #[serde(default)]
    pub activeapps: Vec<AppJson>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct WorkerJson {
    pub id: String,
    pub host: String,
    #[serde(default)]
    pub port: u16,
    pub cores: u32,
    pub memory: u64,
    pub state: WorkerState,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct AppJson {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub state: String,
}

pub fn parse_master(body: &str) -> Result<MasterJson, String> {
    serde_json::from_str(body).map_err(|e| format!("unexpected /json/ answer: {}", e))
}

/// The master's `/json/` on `h`.
pub async fn master(route: &Route, h: &Host) -> Result<MasterJson, ProbeError> {
    let body = http_get(route, h, h.spark.master_webui_port, "/json/").await?;
    parse_master(&body).map_err(ProbeError::Unexpected)
}

/// The worker's own `/json/`: only what decommissioning waits on.
#[derive(Debug, Clone, Deserialize)]
struct WorkerSelfJson {
    /// Executors running on this worker (any application).
    #[serde(default)]
    executors: Vec<serde_json::Value>,
}

/// How many executors run on the worker on `h` (its own `/json/`).
pub async fn worker_executors(route: &Route, h: &Host) -> Result<usize, ProbeError> {
    let body = http_get(route, h, h.spark.worker_webui_port, "/json/").await?;
    serde_json::from_str::<WorkerSelfJson>(&body)
        .map(|w| w.executors.len())
        .map_err(|e| ProbeError::Unexpected(format!("unexpected worker /json/ answer: {}", e)))
}

/// Does the worker's own UI answer (`/json/`)? Tells "running but not
/// registered" from "not running".
pub async fn worker(route: &Route, h: &Host) -> Result<(), ProbeError> {
    http_get(route, h, h.spark.worker_webui_port, "/json/")
        .await
        .map(|_| ())
}
