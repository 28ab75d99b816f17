//! How a health probe reaches a daemon's port, and what it means when it
//! does not. Production networks often let operators reach hosts on port 22
//! only (a firewall, a bastion), so by default a probe's TCP connection is
//! opened *by the host's sshd* through the SSH connection sparkctl already
//! holds ([`Conn::dial`]); `[ssh] probe = "direct"` dials from this machine.
//!
//! Either way the daemon is probed at its inventory address, the address
//! clients use. Errors are typed ([`ProbeError`]) so that waits and `status`
//! can tell "the daemon does not answer" from "the host cannot be reached
//! over SSH" without reading message text.

use crate::exec::Conn;
use crate::inventory::Host;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use super::PROBE_TIMEOUT;

/// Why a probe got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeError {
    /// Connected (or forwarding), but no answer in time.
    Timeout(Duration),
    /// Nothing accepts connections at the daemon's address and port.
    Refused,
    /// Accepted, then closed without a word (direct probes only).
    Closed,
    /// Another error from the operating system (direct probes).
    Io(String),
    /// Answered, but not what such a daemon says.
    Unexpected(String),
    /// The host's SSH connection cannot carry the probe: the host, not the
    /// daemon, is what is unreachable.
    Unreachable(String),
    /// `probe = "direct"`: the port does not answer from this machine, but
    /// SSH to the host works and the port is listening there.
    Blocked { address: String, port: u16 },
}

impl ProbeError {
    /// The word `status` shows in its STATE column.
    pub fn state(&self) -> &'static str {
        match self {
            ProbeError::Unreachable(_) => "unreachable",
            ProbeError::Blocked { .. } => "blocked",
            _ => "down",
        }
    }

    /// The daemon did not answer (as opposed to: the host is unreachable,
    /// or the daemon answered something unexpected).
    pub fn no_answer(&self) -> bool {
        matches!(
            self,
            ProbeError::Timeout(_) | ProbeError::Refused | ProbeError::Closed | ProbeError::Io(_)
        )
    }

    /// Waiting for an answer cost a whole probe timeout (or more): a host
    /// that does this is not worth asking again in the same run.
    pub fn slow(&self) -> bool {
        matches!(self, ProbeError::Timeout(_) | ProbeError::Unreachable(_))
    }
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::Timeout(d) => write!(f, "no answer within {} ms", d.as_millis()),
            ProbeError::Refused => write!(f, "connection refused"),
            ProbeError::Closed => write!(f, "connection closed without an answer"),
            ProbeError::Io(e) | ProbeError::Unexpected(e) => write!(f, "{}", e),
            ProbeError::Unreachable(why) => write!(f, "host unreachable: {}", why),
            ProbeError::Blocked { address, port } => write!(
                f,
                "port {} at {} does not answer from this machine, but SSH to the host works and the port is listening there: a firewall between this machine and the host blocks it; remove `probe = \"direct\"` from [ssh] to probe through the SSH connection (the default)",
                port, address
            ),
        }
    }
}

impl Serialize for ProbeError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Where probes go: straight to the ports, or through SSH connections.
#[derive(Clone)]
pub enum Route {
    Direct,
    Ssh(Arc<Links>),
}

/// One SSH connection (or the attempt to make one) per host.
pub struct Links {
    hosts: BTreeMap<String, Arc<Mutex<Link>>>,
}

/// A connection being made, and how long a probe waits for it.
pub type Pending = (String, JoinHandle<Result<Conn, String>>, Duration);

enum Link {
    Connecting(JoinHandle<Result<Conn, String>>, Duration),
    Up(Conn),
    Failed(String),
}

impl Route {
    /// Probes through `up` (connected) and `pending` (being connected; a
    /// probe waits up to the given time for one). Hosts in neither are
    /// unreachable.
    pub fn over_ssh(up: impl IntoIterator<Item = Conn>, pending: Vec<Pending>) -> Route {
        let mut hosts = BTreeMap::new();
        for c in up {
            hosts.insert(c.host.clone(), Arc::new(Mutex::new(Link::Up(c))));
        }
        for (h, j, wait) in pending {
            hosts.insert(h, Arc::new(Mutex::new(Link::Connecting(j, wait))));
        }
        Route::Ssh(Arc::new(Links { hosts }))
    }

    pub fn is_direct(&self) -> bool {
        matches!(self, Route::Direct)
    }

    /// Send `request` to `h`'s `port` and read the whole answer (the
    /// daemons close the connection after answering), within
    /// [`PROBE_TIMEOUT`] once the connection to the host is up.
    pub async fn exchange(
        &self,
        h: &Host,
        port: u16,
        request: &[u8],
    ) -> Result<String, ProbeError> {
        self.exchange_bytes(h, port, request, None)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// [`Route::exchange`] for binary protocols: the answer's bytes as
    /// read, and with `upto`, no more than that many: for a daemon (a gRPC
    /// server) that keeps the connection open after answering, reading
    /// stops once the bytes that prove it answered are in.
    pub async fn exchange_bytes(
        &self,
        h: &Host,
        port: u16,
        request: &[u8],
        upto: Option<usize>,
    ) -> Result<Vec<u8>, ProbeError> {
        self.exchange_traced(h, &h.address, port, request, upto)
            .await
    }

    /// [`Route::exchange`] at `address` instead of the host's inventory
    /// address: for a daemon bound to its host's loopback (the Mesos
    /// dispatcher under `[spark] authenticate`), which only the host's own
    /// sshd can dial. Direct probes cannot reach a host's loopback from
    /// here (check refuses `probe = "direct"` with such a daemon).
    pub async fn exchange_at(
        &self,
        h: &Host,
        address: &str,
        port: u16,
        request: &[u8],
    ) -> Result<String, ProbeError> {
        self.exchange_traced(h, address, port, request, None)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    async fn exchange_traced(
        &self,
        h: &Host,
        address: &str,
        port: u16,
        request: &[u8],
        upto: Option<usize>,
    ) -> Result<Vec<u8>, ProbeError> {
        let started = std::time::Instant::now();
        let r = if self.is_direct() && address != h.address {
            Err(ProbeError::Unexpected(format!(
                "it listens on {} of host {} only: `probe = \"direct\"` cannot reach it from this machine",
                address, h.name
            )))
        } else {
            self.exchange_untraced(h, address, port, request, upto)
                .await
        };
        // `-vv`: every probe and its timing. Only the request's first line
        // (`GET /json/ HTTP/1.0`, `srvr`): later lines may carry a REST
        // token, and the answer is never traced.
        let first = String::from_utf8_lossy(request);
        let first = first.lines().next().unwrap_or("");
        let outcome = match &r {
            Ok(a) => format!("{} bytes", a.len()),
            Err(e) => e.to_string(),
        };
        tracing::debug!(
            host = h.name.as_str(),
            port,
            via = if self.is_direct() { "direct" } else { "ssh" },
            request = first,
            outcome = %outcome,
            took = %crate::trace::secs(started.elapsed()),
            "probe"
        );
        r
    }

    async fn exchange_untraced(
        &self,
        h: &Host,
        address: &str,
        port: u16,
        request: &[u8],
        upto: Option<usize>,
    ) -> Result<Vec<u8>, ProbeError> {
        let timeout = |_| ProbeError::Timeout(PROBE_TIMEOUT);
        match self {
            Route::Direct => tokio::time::timeout(PROBE_TIMEOUT, async {
                let s = tokio::net::TcpStream::connect((address, port))
                    .await
                    .map_err(|e| io_error(e, false))?;
                talk(s, request, false, upto).await
            })
            .await
            .unwrap_or_else(|e| Err(timeout(e))),
            Route::Ssh(links) => {
                let conn = links.conn(&h.name).await?;
                tokio::time::timeout(PROBE_TIMEOUT, async {
                    let s = conn
                        .dial(address, port)
                        .await
                        .map_err(ProbeError::Unreachable)?;
                    talk(s, request, true, upto).await
                })
                .await
                .unwrap_or_else(|e| Err(timeout(e)))
            }
        }
    }

    /// End the connections this route made itself (hosts that were
    /// connected for probing only). Call before closing the session's own
    /// connections: a connection closes only when no clone of it is left.
    pub async fn close(self) {
        let Route::Ssh(links) = self else { return };
        let Ok(links) = Arc::try_unwrap(links) else {
            return;
        };
        for (_, l) in links.hosts {
            let Ok(l) = Arc::try_unwrap(l) else { continue };
            match l.into_inner() {
                Link::Up(c) => c.close().await,
                Link::Connecting(j, _) => j.abort(),
                Link::Failed(_) => {}
            }
        }
    }
}

impl Links {
    async fn conn(&self, host: &str) -> Result<Conn, ProbeError> {
        let Some(link) = self.hosts.get(host) else {
            return Err(ProbeError::Unreachable(
                "no SSH connection to it in this run".into(),
            ));
        };
        let mut l = link.lock().await;
        if let Link::Connecting(j, wait) = &mut *l {
            let wait = *wait;
            match tokio::time::timeout(wait, j).await {
                Ok(Ok(Ok(c))) => *l = Link::Up(c),
                Ok(Ok(Err(e))) => *l = Link::Failed(e),
                Ok(Err(e)) => *l = Link::Failed(e.to_string()),
                Err(_) => {
                    return Err(ProbeError::Unreachable(format!(
                        "no SSH connection within {} ms",
                        wait.as_millis()
                    )))
                }
            }
        }
        match &*l {
            Link::Up(c) => Ok(c.clone()),
            Link::Failed(e) => Err(ProbeError::Unreachable(e.clone())),
            Link::Connecting(..) => unreachable!("resolved above"),
        }
    }
}

/// Write the request, read the answer to the end (or its first `upto` bytes).
async fn talk<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    request: &[u8],
    over_ssh: bool,
    upto: Option<usize>,
) -> Result<Vec<u8>, ProbeError> {
    let mut buf = Vec::new();
    let r = match (s.write_all(request).await, upto) {
        (Ok(()), None) => s.read_to_end(&mut buf).await.map(|_| ()),
        (Ok(()), Some(n)) => read_upto(&mut s, &mut buf, n).await,
        (Err(e), _) => Err(e),
    };
    match r {
        // A partial answer is still parsed: the parsers say what is wrong.
        Err(e) if buf.is_empty() => Err(io_error(e, over_ssh)),
        _ if buf.is_empty() && over_ssh => Err(ProbeError::Refused),
        _ if buf.is_empty() => Err(ProbeError::Closed),
        _ => Ok(buf),
    }
}

/// Read until `n` bytes are in or the peer closes.
async fn read_upto<S: AsyncRead + Unpin>(
    s: &mut S,
    buf: &mut Vec<u8>,
    n: usize,
) -> std::io::Result<()> {
    let mut chunk = [0u8; 512];
    while buf.len() < n {
        let k = s.read(&mut chunk).await?;
        if k == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..k]);
    }
    Ok(())
}

/// Through SSH, a port that refuses the host's sshd shows up as the
/// forwarded socket being reset or closed before any answer: ssh reports
/// the channel open failure only in its own log.
fn io_error(e: std::io::Error, over_ssh: bool) -> ProbeError {
    use std::io::ErrorKind::*;
    match e.kind() {
        ConnectionRefused => ProbeError::Refused,
        ConnectionReset | BrokenPipe | UnexpectedEof if over_ssh => ProbeError::Refused,
        _ => ProbeError::Io(e.to_string()),
    }
}

/// `probe = "direct"`: for each daemon in `snap` that did not answer, ask
/// its host over SSH whether the port is listening; if it is, the daemon is
/// fine and the network in between is what blocks the probe: say so (and
/// suggest the setting) instead of calling the daemon down.
pub async fn explain_direct(
    snap: &mut super::Snapshot,
    cluster: &crate::inventory::Cluster,
    conns: &BTreeMap<String, Conn>,
) {
    for (name, mode) in snap.zookeeper.iter_mut() {
        if let (super::ZkMode::Down(e), Some(h), Some(c)) =
            (&*mode, cluster.host(name), conns.get(name))
        {
            if e.no_answer() && listening(c, h.zk.client_port).await {
                *mode = super::ZkMode::Down(blocked(h, h.zk.client_port));
            }
        }
    }
    for (name, r) in snap.masters.iter_mut() {
        if let (Err(e), Some(h), Some(c)) = (&*r, cluster.host(name), conns.get(name)) {
            if e.no_answer() && listening(c, h.spark.master_webui_port).await {
                *r = Err(blocked(h, h.spark.master_webui_port));
            }
        }
    }
}

/// `explain_direct` for one probe's error.
pub async fn explain_one(e: ProbeError, h: &Host, port: u16, conn: Option<&Conn>) -> ProbeError {
    match conn {
        Some(c) if e.no_answer() && listening(c, port).await => blocked(h, port),
        _ => e,
    }
}

fn blocked(h: &Host, port: u16) -> ProbeError {
    ProbeError::Blocked {
        address: h.address.clone(),
        port,
    }
}

/// Is something listening on TCP `port` on the host (read from
/// /proc/net/tcp{,6} by `steps::port_listening`)? False when unsure.
async fn listening(c: &Conn, port: u16) -> bool {
    c.run_status("check the port", &crate::steps::port_listening(port))
        .await
        .map(|o| o.stdout.trim() == "listening")
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_tell_host_from_daemon() {
        assert_eq!(ProbeError::Unreachable("x".into()).state(), "unreachable");
        assert_eq!(ProbeError::Refused.state(), "down");
        assert!(ProbeError::Timeout(PROBE_TIMEOUT).no_answer());
        assert!(!ProbeError::Unreachable("x".into()).no_answer());
        assert_eq!(
            ProbeError::Timeout(PROBE_TIMEOUT).to_string(),
            "no answer within 1500 ms"
        );
    }

    #[tokio::test]
    async fn empty_answers() {
        // Over SSH, a refused port looks like a socket closed at once.
        let (a, b) = tokio::io::duplex(64);
        drop(b);
        assert_eq!(talk(a, b"srvr", true, None).await, Err(ProbeError::Refused));
        let (a, mut b) = tokio::io::duplex(64);
        tokio::spawn(async move {
            let mut req = [0u8; 4];
            b.read_exact(&mut req).await.unwrap();
            b.write_all(b"Mode: leader\n").await.unwrap();
        });
        assert_eq!(
            talk(a, b"srvr", true, None).await,
            Ok(b"Mode: leader\n".to_vec())
        );
    }

    /// A gRPC server answers and keeps the connection open: with `upto`,
    /// the probe stops reading once the frame header is in, instead of
    /// waiting for a close that does not come.
    #[tokio::test]
    async fn reading_stops_after_upto_bytes() {
        let (a, mut b) = tokio::io::duplex(64);
        tokio::spawn(async move {
            let mut req = [0u8; 4];
            b.read_exact(&mut req).await.unwrap();
            b.write_all(b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
                .await
                .unwrap();
            // Held open: never closed while the probe reads.
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            drop(b);
        });
        let r = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            talk(a, b"PRI ", true, Some(9)),
        )
        .await
        .expect("returns without the peer closing");
        assert_eq!(r.unwrap().len(), 9);
    }
}
