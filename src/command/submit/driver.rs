//! `sparkctl submit --status ID` / `--kill ID`: asked by sparkctl itself of
//! the masters' REST submission server (`GET /v1/submissions/status/ID`,
//! `POST /v1/submissions/kill/ID`), each master in inventory order until
//! one answers for the driver, the way Spark's own REST client goes
//! through the URL list. Requests travel like the health probes
//! ([`Route`]: through the master's SSH connection unless `[ssh] probe =
//! "direct"`), so this works where only port 22 is reachable, and carry a
//! signed token when the server is behind the JWS filter.

use crate::diag::{exit, UsageError};
use crate::exec::{self, ConnectOptions};
use crate::health::{parse_http, ProbeError, Route};
use crate::inventory::{Cluster, Host, ProbeRoute};
use anyhow::{anyhow, Result};

/// What is asked about a driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Status,
    Kill,
}

impl Action {
    fn flag(self) -> &'static str {
        match self {
            Action::Status => "--status",
            Action::Kill => "--kill",
        }
    }
}

/// How long a token made for one request is valid: enough for every master
/// in turn, little enough that one seen in transit is soon worthless.
const TOKEN_TTL_SECS: u64 = 120;

/// A submission ID goes into the request line: only the characters Spark's
/// IDs are made of (`driver-20261203172233-0000`), so nothing can end the
/// line or add a header.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// The HTTP/1.0 request for `action` on driver `id` at `h`'s REST port.
pub fn request(action: Action, id: &str, h: &Host, token: Option<&str>) -> String {
    let (method, verb) = match action {
        Action::Status => ("GET", "status"),
        Action::Kill => ("POST", "kill"),
    };
    let auth = token
        .map(|t| format!("Authorization: Bearer {}\r\n", t))
        .unwrap_or_default();
    format!(
        "{} /v1/submissions/{}/{} HTTP/1.0\r\nHost: {}:{}\r\nAccept: application/json\r\n{}Content-Length: 0\r\nConnection: close\r\n\r\n",
        method, verb, id, h.address, h.spark.rest_port, auth
    )
}

/// One master's answer, read from Spark's JSON (`success`, `driverState`,
/// `message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The master knows the driver: its state (status) or Spark's message
    /// (kill).
    Done(String),
    /// It answered without success (a standby master, or a driver it does
    /// not know): Spark's message, to show if no master succeeds.
    Declined(String),
}

pub fn parse_answer(action: Action, body: &str) -> Result<Answer, String> {
    let v: serde_json::Value =
        serde_json::from_str(body).map_err(|e| format!("not Spark's JSON answer ({})", e))?;
    // Spark's messages can carry a whole stack trace: its first line, and
    // the one after when the first only introduces it ("Exception from the
    // cluster:").
    let message = v["message"].as_str().map(|m| {
        let mut lines = m.lines().map(str::trim).filter(|l| !l.is_empty());
        let first = lines.next().unwrap_or("").to_string();
        match lines.next() {
            Some(next) if first.ends_with(':') => format!("{} {}", first, next),
            _ => first,
        }
    });
    if v["success"].as_bool() != Some(true) {
        return Ok(Answer::Declined(
            message.unwrap_or_else(|| "the master does not know this driver".into()),
        ));
    }
    match action {
        Action::Status => v["driverState"]
            .as_str()
            .map(|s| Answer::Done(s.to_string()))
            .ok_or_else(|| "the answer has no driverState".into()),
        Action::Kill => Ok(Answer::Done(
            message.unwrap_or_else(|| "kill requested".into()),
        )),
    }
}

/// Refuse, with the inventory's location, where there is no REST server to
/// ask.
fn refusal(cluster: &Cluster, action: Action) -> Option<UsageError> {
    if !cluster.spark.rest {
        return Some(UsageError(format!(
            "error: {}: `sparkctl submit {}` asks the masters' REST submission server, which is off (`rest` is not true in [spark])\n  = help: add `rest = true` to [spark] and deploy (with `authenticate = true` the server admits only requests sparkctl signs)",
            cluster.file.display(),
            action.flag()
        )));
    }
    if cluster.masters().next().is_none() {
        return Some(UsageError(format!(
            "error: {}: no host has the master role: there is no REST server to ask",
            cluster.file.display()
        )));
    }
    None
}

/// A token for the JWS filter when the inventory puts one in front of the
/// server (`authenticate` with `rest`), from the operator's secret.
fn token(cluster: &Cluster) -> Result<Option<String>> {
    let Some(auth) = &cluster.spark.auth else {
        return Ok(None);
    };
    crate::command::rest_token::signed(auth, TOKEN_TTL_SECS).map(Some)
}

/// Ask the masters in turn; print the driver state (or the kill's answer)
/// and exit 0, or say what each master answered and exit 1.
pub async fn run(
    cluster: &Cluster,
    action: Action,
    id: &str,
    opts: &ConnectOptions,
) -> Result<i32> {
    if !valid_id(id) {
        return Err(UsageError(format!(
            "error: `{}` is not a submission ID (Spark's look like driver-20261203172233-0000)",
            id
        ))
        .into());
    }
    if let Some(e) = refusal(cluster, action) {
        return Err(e.into());
    }
    let token = token(cluster)?;
    let mut said = Vec::new();
    for h in cluster.masters() {
        let req = request(action, id, h, token.as_deref());
        match ask(cluster, h, &req, opts).await {
            Ok(text) => match parse_http(&text).and_then(|b| parse_answer(action, &b)) {
                Err(e) if http_status(&text) == Some(403) && token.is_some() => said.push(format!(
                    "{}: {} (the signed token was refused: is {} the cluster's secret?)",
                    h.name,
                    e,
                    cluster
                        .spark
                        .auth
                        .as_ref()
                        .map(|a| a.secret_file.display().to_string())
                        .unwrap_or_default()
                )),
                Ok(Answer::Done(s)) => {
                    crate::outln!("{}", s);
                    return Ok(exit::OK);
                }
                Ok(Answer::Declined(m)) => said.push(format!("{}: {}", h.name, m)),
                Err(e) => said.push(format!("{}: {}", h.name, e)),
            },
            Err(e) => said.push(format!("{}: {}", h.name, e)),
        }
    }
    Err(anyhow!(
        "no master answered for driver {}:\n  {}",
        id,
        said.join("\n  ")
    ))
}

/// The status code of an HTTP answer (`HTTP/1.1 403 Forbidden` -> 403).
pub fn http_status(text: &str) -> Option<u16> {
    text.split_whitespace().nth(1)?.parse().ok()
}

/// One exchange with `h`'s REST port: from this machine with `probe =
/// "direct"`, else through a connection to `h` made for it.
async fn ask(
    cluster: &Cluster,
    h: &Host,
    req: &str,
    opts: &ConnectOptions,
) -> Result<String, ProbeError> {
    let route = match cluster.ssh.probe {
        ProbeRoute::Direct => Route::Direct,
        ProbeRoute::Ssh => {
            let c = exec::connect_for_probes(cluster, h, opts)
                .await
                .map_err(ProbeError::Unreachable)?;
            Route::over_ssh([c], Vec::new())
        }
    };
    let r = route.exchange(h, h.spark.rest_port, req.as_bytes()).await;
    route.close().await;
    r
}
