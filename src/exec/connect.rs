//! Making a connection to a host, or reusing the SSH master an earlier run
//! kept (`[ssh] control_persist`) once it is proven to be the same
//! connection and alive; and connecting to many hosts at once.

use super::errors::{connect_error, error_chain};
use super::{register_master, Conn, ConnectOptions};
use crate::inventory::{Cluster, Host};
use anyhow::{anyhow, Result};
use openssh::{KnownHosts, Session, SessionBuilder, Stdio};
use std::sync::Arc;
use std::time::Duration;

pub async fn connect(cluster: &Cluster, host: &Host, opts: &ConnectOptions) -> Result<Conn> {
    let started = std::time::Instant::now();
    let r = connect_untraced(cluster, host, opts).await;
    // `-v`: where each connection went and what it cost. A failure's
    // reason is the error the caller reports, with its hint: not repeated.
    let (host_name, address) = (host.name.as_str(), host.address.as_str());
    let took = crate::trace::secs(started.elapsed());
    match &r {
        Ok(c) => {
            tracing::info!(host = host_name, address, kept = c.keep, took = %took, "connected")
        }
        Err(_) => tracing::info!(host = host_name, address, took = %took, "connect failed"),
    }
    r
}

async fn connect_untraced(cluster: &Cluster, host: &Host, opts: &ConnectOptions) -> Result<Conn> {
    let s = &cluster.ssh;
    let accept = s.accept_new_host_keys || opts.accept_new_host_keys;
    let keep = keep_dir(s.control_persist);
    let key = pointer_key(cluster, host, accept);
    let conn = |session: Session, keep: bool| Conn {
        host: host.name.clone(),
        session: Arc::new(session),
        timeout: Duration::from_secs(s.command_timeout),
        sudo: s.sudo,
        forwards: Default::default(),
        keep,
    };
    if let Some(dir) = &keep {
        if let Some((socket, made_for)) = crate::mux::lookup(dir, &key) {
            let session = Session::resume_mux(socket.clone().into_boxed_path(), None);
            // Both at once: `ssh -G` and the round trip cost about the same.
            let (now, ok) = tokio::join!(
                fingerprint(cluster, host, accept, dir),
                alive(&session, s.connect_timeout)
            );
            if ok && now.as_deref() == Some(made_for.as_str()) {
                tracing::debug!(
                    host = host.name.as_str(),
                    "reusing the SSH master an earlier run kept"
                );
                register_master(session.control_socket());
                return Ok(conn(session, true));
            }
            crate::mux::forget(dir, &key, &socket);
        }
    }
    let mut b = SessionBuilder::default();
    b.known_hosts_check(if accept {
        KnownHosts::Add
    } else {
        KnownHosts::Strict
    });
    b.connect_timeout(Duration::from_secs(s.connect_timeout));
    b.server_alive_interval(Duration::from_secs(5));
    // Kept: the master outlives this run by `control_persist` idle
    // seconds, for the next run to find. Not kept: a master left behind by
    // a killed sparkctl still exits on its own once idle.
    let idle = if keep.is_some() {
        s.control_persist
    } else {
        300
    };
    b.control_persist(openssh::ControlPersist::IdleFor(
        std::num::NonZeroUsize::new(idle as usize).unwrap_or(std::num::NonZeroUsize::MIN),
    ));
    b.control_directory(keep.clone().unwrap_or_else(std::env::temp_dir));
    if let Some(u) = host.ssh_user.as_ref().or(s.user.as_ref()) {
        b.user(u.clone());
    }
    if let Some(p) = host.ssh_port.or(s.port) {
        b.port(p);
    }
    if let Some(k) = host.identity_file.as_ref().or(s.identity_file.as_ref()) {
        b.keyfile(k);
    }
    if let Some(c) = &s.config_file {
        b.config_file(c);
    }
    if let Some(k) = &s.known_hosts_file {
        b.user_known_hosts_file(k);
    }
    let budget = Duration::from_secs(s.connect_timeout + 5);
    let connecting = tokio::time::timeout(budget, b.connect_mux(&host.address));
    let (connected, made_for) = match &keep {
        // The fingerprint is needed only to keep the master: taken while
        // the handshake runs, so it costs no time.
        Some(dir) => tokio::join!(connecting, fingerprint(cluster, host, accept, dir)),
        None => (connecting.await, None),
    };
    let session = match connected {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(connect_error(cluster, host, &error_chain(&e), accept)),
        Err(_) => {
            return Err(anyhow!(
                "host {}: cannot connect to {} over SSH: no answer within {} s",
                host.name,
                host.address,
                budget.as_secs()
            ))
        }
    };
    register_master(session.control_socket());
    // Without a fingerprint (`ssh -G` failed) the master is not kept.
    let keep = match (&keep, made_for) {
        (Some(dir), Some(fp)) => {
            crate::mux::remember(dir, &key, session.control_socket(), &fp);
            true
        }
        _ => false,
    };
    Ok(conn(session, keep))
}

/// A master an earlier run kept, used *before* it is proven to be the
/// connection this run would make. Only `status` does this: its probes
/// carry nothing secret, and their answers are thrown away unless
/// `proven` says yes. It takes `ssh -G` (the fingerprint) and the liveness
/// round trip off the critical path: the fingerprint is checked while the
/// probes run, and the probes are the round trip (an answer, or a refusal
/// relayed by the host's sshd, proves the link is alive; only a host
/// whose probes all time out needs [`Unproven::alive`]). Measured on the
/// lab, status on 3 hosts: see docs/ssh.md, "What it costs".
pub struct Unproven {
    /// The kept master was made for exactly this run's SSH settings.
    pub proven: tokio::task::JoinHandle<bool>,
    dir: std::path::PathBuf,
    key: String,
    socket: std::path::PathBuf,
    connect_timeout: u64,
}

impl Unproven {
    /// A command goes through the master (the link behind it is alive).
    pub async fn alive(&self) -> bool {
        let session = Session::resume_mux(self.socket.clone().into_boxed_path(), None);
        let ok = alive(&session, self.connect_timeout).await;
        // Not close or drop: either would end the master the run uses.
        let _ = session.detach();
        ok
    }

    /// Never use this master again: remove its pointer, tell it to exit.
    pub fn forget(&self) {
        crate::mux::forget(&self.dir, &self.key, &self.socket);
    }
}

/// The kept master for `host`, if an earlier run left one whose process
/// answers on its socket (a local check: no round trip to the host), and
/// what proves it.
pub async fn resume_unproven(
    cluster: &Cluster,
    host: &Host,
    opts: &ConnectOptions,
) -> Option<(Conn, Unproven)> {
    let s = &cluster.ssh;
    let accept = s.accept_new_host_keys || opts.accept_new_host_keys;
    let dir = keep_dir(s.control_persist)?;
    let key = pointer_key(cluster, host, accept);
    let (socket, made_for) = crate::mux::lookup(&dir, &key)?;
    let session = Session::resume_mux(socket.clone().into_boxed_path(), None);
    if session.check().await.is_err() {
        crate::mux::forget(&dir, &key, &socket);
        return None;
    }
    let (c, h, d) = (cluster.clone(), host.clone(), dir.clone());
    let proven = tokio::spawn(async move {
        fingerprint(&c, &h, accept, &d).await.as_deref() == Some(made_for.as_str())
    });
    register_master(session.control_socket());
    // `-v`: status's fast path, a kept master used before it is proven.
    tracing::info!(
        host = host.name.as_str(),
        address = host.address.as_str(),
        "resumed the kept SSH master (proven while probing)"
    );
    let conn = Conn {
        host: host.name.clone(),
        session: Arc::new(session),
        timeout: Duration::from_secs(s.command_timeout),
        sudo: s.sudo,
        forwards: Default::default(),
        keep: true,
    };
    Some((
        conn,
        Unproven {
            proven,
            dir,
            key,
            socket,
            connect_timeout: s.connect_timeout,
        },
    ))
}

/// The directory to keep masters in between runs, or None: persistence
/// is off (`control_persist = 0`) or the directory is not private (said
/// once per run: the run goes on, one connection per host as before).
fn keep_dir(control_persist: u64) -> Option<std::path::PathBuf> {
    if control_persist == 0 {
        return None;
    }
    static DIR: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    DIR.get_or_init(|| match crate::mux::private_dir() {
        Ok(d) => {
            crate::mux::sweep(&d);
            Some(d)
        }
        Err(why) => {
            eprintln!(
                "warning: not keeping SSH connections open between runs: {}",
                why
            );
            None
        }
    })
    .clone()
}

/// The pointer file's name for `host`: the inventory's own settings for
/// the connection (cheap; `fingerprint` decides whether the master found
/// there may be used).
fn pointer_key(cluster: &Cluster, host: &Host, accept: bool) -> String {
    let s = &cluster.ssh;
    let path =
        |p: Option<&std::path::PathBuf>| p.map(|p| p.display().to_string()).unwrap_or_default();
    let user = host
        .ssh_user
        .as_ref()
        .or(s.user.as_ref())
        .cloned()
        .unwrap_or_default();
    let port = host
        .ssh_port
        .or(s.port)
        .map(|p| p.to_string())
        .unwrap_or_default();
    crate::mux::key(&[
        &host.address,
        &user,
        &port,
        &path(host.identity_file.as_ref().or(s.identity_file.as_ref())),
        &path(s.config_file.as_ref()),
        &path(s.known_hosts_file.as_ref()),
        if accept { "accept-new" } else { "strict" },
        &netns(),
    ])
}

/// This process's network namespace ("net:[4026531840]"): a master made
/// where the ports are open is not lent to a run behind a firewall.
fn netns() -> String {
    std::fs::read_link("/proc/self/ns/net")
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

/// Everything that decides where, as whom and after which checks ssh
/// connects to `host`, as a digest: a kept master is reused only when all
/// of it is unchanged. It is what `ssh -G` resolves with the
/// options `connect` passes (so the ssh config's Host blocks, ProxyJump
/// and defaults count), the contents of the known_hosts files it names
/// (a removed or changed host key is honoured by the next run, not
/// ControlPersist minutes later), the host-key policy, and the network
/// namespace (a master made where the ports are open is not lent to a
/// run behind a firewall). None when `ssh -G` fails: no reuse.
/// `ssh -G`'s answer comes from `resolved.rs`'s cache when no file it
/// depends on changed (the known_hosts files are read every time).
async fn fingerprint(
    cluster: &Cluster,
    host: &Host,
    accept: bool,
    dir: &std::path::Path,
) -> Option<String> {
    let cmd = super::ssh_g(cluster, host, true);
    let resolved = super::resolved::ssh_g(cmd, cluster.ssh.config_file.as_deref(), dir).await?;
    let home = std::env::var("HOME").unwrap_or_default();
    let mut known = String::new();
    for line in resolved.lines() {
        let files = line
            .strip_prefix("userknownhostsfile ")
            .or_else(|| line.strip_prefix("globalknownhostsfile "));
        for f in files.into_iter().flat_map(str::split_whitespace) {
            let f = match f.strip_prefix("~/") {
                Some(rest) => format!("{}/{}", home, rest),
                None => f.to_string(),
            };
            known.push_str(&f);
            known.push('\n');
            known.push_str(&String::from_utf8_lossy(
                &std::fs::read(&f).unwrap_or_default(),
            ));
        }
    }
    Some(crate::mux::key(&[
        &resolved,
        &known,
        if accept { "accept-new" } else { "strict" },
        &netns(),
    ]))
}

/// A kept master is used only once a command has gone through it: its
/// socket answers even when the link behind it is dead (until
/// ServerAliveInterval x 3 ends it), and a command there would hang.
async fn alive(session: &Session, connect_timeout: u64) -> bool {
    let wait = Duration::from_secs(connect_timeout.clamp(1, 3));
    let probe = async {
        session.check().await.is_ok()
            && session
                .raw_command("true")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .await
                .is_ok_and(|st| st.success())
    };
    tokio::time::timeout(wait, probe).await.unwrap_or(false)
}

/// `connect` for a host that is only probed, never changed: an error is
/// a reason to show (the host is unreachable), not a failure of the run.
pub async fn connect_for_probes(
    cluster: &Cluster,
    host: &Host,
    opts: &ConnectOptions,
) -> Result<Conn, String> {
    connect(cluster, host, opts).await.map_err(|e| {
        // "host X: cannot connect to A over SSH: <ssh's words>" -> from "cannot".
        let first = format!("{:#}", e);
        let first = first.lines().next().unwrap_or("").to_string();
        let prefix = format!("host {}: ", host.name);
        first.strip_prefix(&prefix).unwrap_or(&first).to_string()
    })
}

/// Connect to many hosts at once; all failures are reported together.
pub async fn connect_all(
    cluster: &Cluster,
    hosts: &[&Host],
    opts: &ConnectOptions,
    parallel: usize,
) -> Result<Vec<Conn>> {
    let sem = Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for (i, h) in hosts.iter().enumerate() {
        let (c, h, o, sem) = (cluster.clone(), (*h).clone(), opts.clone(), sem.clone());
        set.spawn(async move {
            let _permit = sem.acquire().await;
            (i, connect(&c, &h, &o).await)
        });
    }
    let mut conns: Vec<Option<Conn>> = vec![None; hosts.len()];
    let mut errors = Vec::new();
    while let Some(r) = set.join_next().await {
        let (i, r) = r?;
        match r {
            Ok(c) => conns[i] = Some(c),
            Err(e) => errors.push(format!("{:#}", e)),
        }
    }
    if !errors.is_empty() {
        for c in conns.into_iter().flatten() {
            c.close().await;
        }
        errors.sort();
        return Err(anyhow!(
            "{}\nnothing was changed on any host",
            errors.join("\n")
        ));
    }
    Ok(conns
        .into_iter()
        .map(|c| c.expect("every host connected"))
        .collect())
}
