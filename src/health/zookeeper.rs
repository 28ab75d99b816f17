//! ZooKeeper's `srvr` four-letter word: sent on the client port, and its
//! answer read as the server's mode.

use super::route::{ProbeError, Route};
use crate::inventory::Host;
use serde::Serialize;

/// ZooKeeper's answer to `srvr`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ZkMode {
    Leader,
    Follower,
    Standalone,
    /// Up, but not in a quorum ("not currently serving requests").
    NotServing,
    /// No usable answer: why (down, refused, host unreachable, ...).
    Down(ProbeError),
}

impl ZkMode {
    pub fn serving(&self) -> bool {
        matches!(self, ZkMode::Leader | ZkMode::Follower | ZkMode::Standalone)
    }
    pub fn label(&self) -> String {
        match self {
            ZkMode::Leader => "leader".into(),
            ZkMode::Follower => "follower".into(),
            ZkMode::Standalone => "standalone".into(),
            ZkMode::NotServing => "not serving".into(),
            ZkMode::Down(e) => e.state().into(),
        }
    }
}

pub fn parse_srvr(text: &str) -> ZkMode {
    if text.contains("not currently serving") {
        return ZkMode::NotServing;
    }
    match text
        .lines()
        .find_map(|l| l.strip_prefix("Mode:"))
        .map(str::trim)
    {
        Some("leader") => ZkMode::Leader,
        Some("follower") => ZkMode::Follower,
        Some("standalone") => ZkMode::Standalone,
        Some(other) => ZkMode::Down(ProbeError::Unexpected(format!("unexpected mode {}", other))),
        None => ZkMode::Down(ProbeError::Unexpected(format!(
            "unexpected answer to srvr: {}",
            text.lines().next().unwrap_or("(empty)")
        ))),
    }
}

/// ZooKeeper's `srvr` on `h`'s client port.
pub async fn srvr(route: &Route, h: &Host) -> ZkMode {
    match route.exchange(h, h.zk.client_port, b"srvr").await {
        Ok(t) => parse_srvr(&t),
        Err(e) => ZkMode::Down(e),
    }
}
