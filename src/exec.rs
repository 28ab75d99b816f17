//! The only code that talks to hosts. One multiplexed SSH connection per host
//! (openssh, native mux) for the whole run; every command is a POSIX `sh -c`
//! script with a timeout; every failure names the host and the step.
//!
//! Scripts receive user values only through [`crate::shell::quote`]; nothing
//! here interprets inventory text as shell.

use crate::inventory::{Cluster, Host};
use anyhow::{anyhow, Result};
use openssh::{KnownHosts, Session, SessionBuilder, Stdio};
use std::fmt;
use std::io::Seek;
use std::sync::Arc;
use std::time::Duration;

/// A remote step that failed: what, where, and what the host said.
#[derive(Debug)]
pub struct StepError {
    pub host: String,
    pub step: String,
    pub status: Option<i32>,
    pub stderr: String,
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(s) => write!(
                f,
                "host {}: {} failed (exit status {})",
                self.host, self.step, s
            )?,
            None => write!(f, "host {}: {} failed", self.host, self.step)?,
        }
        let tail: Vec<&str> = self.stderr.trim_end().lines().collect();
        let tail = &tail[tail.len().saturating_sub(15)..];
        for line in tail {
            write!(f, "\n  | {}", line)?;
        }
        Ok(())
    }
}
impl std::error::Error for StepError {}

/// What a remote command printed.
#[derive(Debug, Clone)]
pub struct Output {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// An open connection to one host.
#[derive(Clone)]
pub struct Conn {
    pub host: String,
    session: Arc<Session>,
    timeout: Duration,
    /// Run scripts through `sudo -n` (`[ssh] sudo = true`).
    sudo: bool,
    /// Local sockets forwarded through this connection, by remote port
    /// (see `dial`). Shared by every clone: one forward per port per run.
    forwards: Arc<tokio::sync::Mutex<std::collections::HashMap<(String, u16), std::path::PathBuf>>>,
    /// The master is kept for the next run (`[ssh] control_persist`):
    /// closing this connection leaves it running.
    keep: bool,
}

/// Options that come from the command line rather than the inventory.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// `--accept-new-host-keys`: trust keys of hosts never seen before.
    pub accept_new_host_keys: bool,
}

pub async fn connect(cluster: &Cluster, host: &Host, opts: &ConnectOptions) -> Result<Conn> {
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
                fingerprint(cluster, host, accept),
                alive(&session, s.connect_timeout)
            );
            if ok && now.as_deref() == Some(made_for.as_str()) {
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
        Some(_) => tokio::join!(connecting, fingerprint(cluster, host, accept)),
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
async fn fingerprint(cluster: &Cluster, host: &Host, accept: bool) -> Option<String> {
    let s = &cluster.ssh;
    let mut cmd = tokio::process::Command::new("ssh");
    cmd.arg("-G");
    if let Some(c) = &s.config_file {
        cmd.arg("-F").arg(c);
    }
    if let Some(p) = host.ssh_port.or(s.port) {
        cmd.arg("-p").arg(p.to_string());
    }
    if let Some(u) = host.ssh_user.as_ref().or(s.user.as_ref()) {
        cmd.arg("-l").arg(u);
    }
    if let Some(k) = host.identity_file.as_ref().or(s.identity_file.as_ref()) {
        cmd.arg("-i").arg(k);
    }
    if let Some(k) = &s.known_hosts_file {
        cmd.arg("-o")
            .arg(format!("UserKnownHostsFile={}", k.display()));
    }
    cmd.arg("--").arg(&host.address);
    let out = cmd
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .await
        .ok()
        .filter(|o| o.status.success())?;
    let resolved = String::from_utf8_lossy(&out.stdout).into_owned();
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

/// An error and all its sources: openssh keeps ssh's own words in `source()`.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        parts.push(s.to_string());
        src = s.source();
    }
    parts.join(": ")
}

/// Turn ssh's message into what to do about it.
fn connect_error(cluster: &Cluster, host: &Host, raw: &str, accept: bool) -> anyhow::Error {
    let msg = raw.trim();
    let hint = if msg.contains("Host key verification failed")
        || msg.contains("No ") && msg.contains("host key is known")
    {
        if accept {
            // known_hosts records a host on another port than 22 as [address]:port.
            let (address, port) = ssh_target(cluster, host);
            let entry = if port == 22 {
                address
            } else {
                format!("'[{}]:{}'", address, port)
            };
            format!("the host's key differs from the one recorded in known_hosts: if the host was reinstalled, remove the old entry with `ssh-keygen -R {}`; otherwise investigate before connecting", entry)
        } else {
            let (address, port) = ssh_target(cluster, host);
            let fps = host_key_fingerprints(&address, port);
            let shown = if fps.is_empty() {
                String::new()
            } else {
                format!("; it presents:\n      {}\n   ", fps.join("\n      "))
            };
            format!(
                "its host key is not trusted yet{} check the fingerprint out of band (`{} | ssh-keygen -lf -`), then add it to known_hosts, or run again with --accept-new-host-keys",
                if shown.is_empty() { ":".to_string() } else { shown },
                keyscan_command(&address, port)
            )
        }
    } else if msg.contains("Permission denied") {
        "the SSH key was refused: check `ssh_user`/`identity_file` in the inventory, or that the key is loaded in ssh-agent".into()
    } else if msg.contains("Connection refused") {
        "nothing listens on the SSH port: is sshd running, and is `ssh_port` right?".into()
    } else if msg.contains("timed out")
        || msg.contains("No route to host")
        || msg.contains("unreachable")
    {
        "the host does not answer: is it up, and is the address right?".into()
    } else if msg.contains("Could not resolve") {
        "the address does not resolve: fix `address` in the inventory".into()
    } else {
        "run `ssh -v` to the same address to see why".into()
    };
    anyhow!(
        "host {}: cannot connect to {} over SSH: {}\n  = help: {}",
        host.name,
        host.address,
        // ssh's own words ("connect to host ... port 22: No route to host"), not openssh's wrapper.
        msg.lines()
            .last()
            .unwrap_or(msg)
            .trim_start_matches("failed to connect to the remote host: "),
        hint
    )
}

/// Where ssh connects for `host` once the inventory (`ssh_port`, `[ssh]
/// port`) and the ssh config (`[ssh] config_file`, else ~/.ssh/config:
/// `HostName`, `Port`) are applied: what `ssh -G` resolves, without
/// connecting. Best effort: without an answer, the inventory's address and
/// port (22 by default).
fn ssh_target(cluster: &Cluster, host: &Host) -> (String, u16) {
    let port = host.ssh_port.or(cluster.ssh.port);
    let fallback = (host.address.clone(), port.unwrap_or(22));
    let mut cmd = std::process::Command::new("ssh");
    cmd.arg("-G");
    if let Some(c) = &cluster.ssh.config_file {
        cmd.arg("-F").arg(c);
    }
    if let Some(p) = port {
        cmd.arg("-p").arg(p.to_string());
    }
    // `--` ends the options: the address is validated, but keep it an operand.
    cmd.arg("--").arg(&host.address);
    match cmd.stderr(std::process::Stdio::null()).output() {
        Ok(out) if out.status.success() => {
            parse_ssh_g(&String::from_utf8_lossy(&out.stdout)).unwrap_or(fallback)
        }
        _ => fallback,
    }
}

/// `hostname` and `port` from `ssh -G`'s output.
fn parse_ssh_g(out: &str) -> Option<(String, u16)> {
    let value = |key: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(' ').map(str::trim))
    };
    Some((value("hostname")?.to_string(), value("port")?.parse().ok()?))
}

/// The ssh-keyscan command an operator can run to see a host's keys.
fn keyscan_command(address: &str, port: u16) -> String {
    if port == 22 {
        format!("ssh-keyscan {}", address)
    } else {
        format!("ssh-keyscan -p {} {}", port, address)
    }
}

/// The fingerprints a host's SSH server presents (best effort, 5 s), so an
/// operator can compare them with what they expect before trusting the host.
fn host_key_fingerprints(address: &str, port: u16) -> Vec<String> {
    let port = port.to_string();
    let scan = std::process::Command::new("timeout")
        .args(["5", "ssh-keyscan", "-p", &port, "-T", "4", address])
        .stderr(std::process::Stdio::null())
        .output();
    let Ok(scan) = scan else { return vec![] };
    let mut keygen = match std::process::Command::new("ssh-keygen")
        .args(["-lf", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(k) => k,
        Err(_) => return vec![],
    };
    if let Some(mut stdin) = keygen.stdin.take() {
        use std::io::Write;
        let _ = stdin.write_all(&scan.stdout);
    }
    keygen
        .wait_with_output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

impl Conn {
    /// Run a script; a non-zero exit is an error naming `step`.
    pub async fn run(&self, step: &str, script: &str) -> Result<Output> {
        let out = self.exec(step, script, None).await?;
        self.checked(step, out)
    }

    /// A failed step on this host, as every run method reports it.
    fn error(&self, step: &str, status: Option<i32>, stderr: String) -> anyhow::Error {
        StepError {
            host: self.host.clone(),
            step: step.to_string(),
            status,
            stderr,
        }
        .into()
    }

    fn timed_out(&self, step: &str) -> anyhow::Error {
        let why = format!(
            "no answer within {} s (ssh.command_timeout)",
            self.timeout.as_secs()
        );
        self.error(step, None, why)
    }

    /// `out`, or an error naming `step` when it exited non-zero.
    fn checked(&self, step: &str, out: Output) -> Result<Output> {
        if out.status != 0 {
            return Err(self.error(step, Some(out.status), out.stderr));
        }
        Ok(out)
    }

    /// `sh -c script`, or `sudo -n sh -c script`: `-n` makes sudo fail at
    /// once instead of waiting for a password nobody will type.
    fn sh(&self, script: &str) -> openssh::OwningCommand<&Session> {
        let mut cmd = if self.sudo {
            let mut c = self.session.command("sudo");
            c.args(["-n", "--", "sh"]);
            c
        } else {
            self.session.command("sh")
        };
        cmd.arg("-c").arg(script);
        cmd
    }

    /// What the host printed, with a hint when sudo is why it failed.
    fn output(&self, o: std::process::Output) -> Output {
        let mut stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        if self.sudo {
            if stderr.contains("a password is required")
                || stderr.contains("a terminal is required")
            {
                stderr.push_str("\nsudo asks this login user for a password; sparkctl needs passwordless sudo (sudoers: `<user> ALL=(ALL) NOPASSWD: ALL`), or log in as root and drop `[ssh] sudo`");
            } else if stderr.contains("sudo: not found")
                || stderr.contains("sudo: command not found")
            {
                stderr.push_str("\nsudo is not installed on this host: install it, or log in as root and drop `[ssh] sudo`");
            } else if stderr.contains("is not in the sudoers file")
                || stderr.contains("is not allowed to execute")
            {
                stderr.push_str(
                    "\nthis login user may not use sudo here: add it to sudoers, or log in as root",
                );
            }
        }
        Output {
            status: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr,
        }
    }

    /// Run a script with `input` on its standard input (secrets: never on
    /// a command line); a non-zero exit is an error naming `step`.
    pub async fn run_with_input(&self, step: &str, script: &str, input: Vec<u8>) -> Result<Output> {
        let out = self.exec(step, script, Some(input)).await?;
        self.checked(step, out)
    }

    /// Run a script and return whatever it printed, whatever its exit status.
    pub async fn run_status(&self, step: &str, script: &str) -> Result<Output> {
        self.exec(step, script, None).await
    }

    /// Run a script, with `input` (or nothing) on its standard input, within
    /// the command timeout; any exit status is returned, not judged.
    async fn exec(&self, step: &str, script: &str, input: Option<Vec<u8>>) -> Result<Output> {
        use tokio::io::AsyncWriteExt;
        let mut cmd = self.sh(script);
        cmd.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let work = async {
            let mut child = cmd.spawn().await?;
            if let (Some(mut w), Some(input)) = (child.stdin().take(), input) {
                w.write_all(&input).await.map_err(openssh::Error::ChildIo)?;
                w.shutdown().await.map_err(openssh::Error::ChildIo)?;
            }
            child.wait_with_output().await
        };
        match tokio::time::timeout(self.timeout, work).await {
            Ok(Ok(o)) => Ok(self.output(o)),
            Ok(Err(e)) => Err(self.error(step, None, format!("SSH failed: {}", e))),
            Err(_) => Err(self.timed_out(step)),
        }
    }

    /// Run a script with a local file as its standard input (the file's fd
    /// is handed to ssh, no copy loop here). `on_progress` gets bytes sent,
    /// read from a duplicate of the fd whose offset the transfer advances.
    pub async fn run_with_file(
        &self,
        step: &str,
        script: &str,
        file: &std::path::Path,
        on_progress: impl Fn(u64),
    ) -> Result<Output> {
        let f = std::fs::File::open(file)
            .map_err(|e| anyhow!("cannot open {}: {}", file.display(), e))?;
        let mut probe = f.try_clone()?;
        let mut cmd = self.sh(script);
        cmd.stdin(Stdio::from(std::os::fd::OwnedFd::from(f)))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let fut = cmd.output();
        tokio::pin!(fut);
        let deadline = tokio::time::sleep(self.timeout);
        tokio::pin!(deadline);
        let mut tick = tokio::time::interval(Duration::from_millis(150));
        loop {
            tokio::select! {
                r = &mut fut => {
                    let o = r.map_err(|e| self.error(step, None, format!("SSH failed: {}", e)))?;
                    if let Ok(p) = probe.stream_position() { on_progress(p); }
                    let out = self.output(o);
                    return self.checked(step, out);
                }
                _ = tick.tick() => { if let Ok(p) = probe.stream_position() { on_progress(p); } }
                _ = &mut deadline => {
                    return Err(self.timed_out(step));
                }
            }
        }
    }

    /// A byte stream to `addr:port` as the host sees it: the host's sshd
    /// opens the TCP connection (what `ssh -W` does), so it reaches ports a
    /// firewall hides from this machine, through bastions too.
    ///
    /// Why a forwarded Unix socket and not a probe run on the host: the
    /// host has no TCP client we can count on (no nc, no curl; POSIX sh has
    /// no /dev/tcp), and a command costs a new SSH channel *and* a process
    /// start per probe. The openssh crate's native mux cannot open a bare
    /// `direct-tcpip` channel, but it can ask the master for a local
    /// forward: set up once per port (one mux round trip), after which
    /// each probe is a local connect plus one channel open on the existing
    /// connection. The socket lives in the master's own private (0700)
    /// directory; a kept master (`control_persist`) keeps its forwards
    /// for the next run too.
    ///
    /// Errors here mean the SSH connection cannot carry the probe (gone,
    /// or forwarding refused by the host's sshd), never that the daemon is
    /// down: that shows on the stream (reset or closed without an answer).
    pub async fn dial(&self, addr: &str, port: u16) -> Result<tokio::net::UnixStream, String> {
        let key = (addr.to_string(), port);
        let path = {
            let mut fw = self.forwards.lock().await;
            match fw.get(&key) {
                Some(p) => p.clone(),
                None => {
                    let dir = self
                        .session
                        .control_socket()
                        .parent()
                        .ok_or("the SSH connection has no control directory")?;
                    // Named for the target: a kept master still has the
                    // forwards earlier runs asked it for, and a socket
                    // that answers is one of them (a master's directory
                    // is its own; it holds nothing else of that name).
                    let path = dir.join(format!(
                        "probe-{}",
                        crate::mux::key(&[addr, &port.to_string()])
                    ));
                    if self.keep {
                        if let Ok(stream) = tokio::net::UnixStream::connect(&path).await {
                            fw.insert(key, path);
                            return Ok(stream);
                        }
                        let _ = std::fs::remove_file(&path);
                    }
                    self.session
                        .request_port_forward(
                            openssh::ForwardType::Local,
                            openssh::Socket::UnixSocket {
                                path: path.as_path().into(),
                            },
                            openssh::Socket::TcpSocket {
                                host: addr.into(),
                                port,
                            },
                        )
                        .await
                        .map_err(|e| {
                            format!(
                                "the SSH connection cannot forward a probe: {}",
                                error_chain(&e)
                            )
                        })?;
                    fw.insert(key, path.clone());
                    path
                }
            }
        };
        tokio::net::UnixStream::connect(&path)
            .await
            .map_err(|e| format!("the SSH connection is gone ({})", e))
    }

    pub async fn close(self) {
        if let Ok(s) = Arc::try_unwrap(self.session) {
            unregister_master(s.control_socket());
            if self.keep {
                // Neither close (which ends the master) nor drop (which
                // does too, for a master this run started).
                let _ = s.detach();
            } else {
                let _ = s.close().await;
            }
        }
    }
}

/// Control sockets of the SSH masters this process opened. openssh keeps a
/// master running after its `Session` is dropped (e.g. on Ctrl-C), still
/// streaming whatever it was sending; `stop_all_masters` ends them so remote
/// steps are hung up and clean up after themselves.
static MASTERS: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

fn register_master(socket: &std::path::Path) {
    if let Ok(mut m) = MASTERS.lock() {
        m.push(socket.to_path_buf());
    }
}

fn unregister_master(socket: &std::path::Path) {
    if let Ok(mut m) = MASTERS.lock() {
        m.retain(|p| p != socket);
    }
}

/// Tell every SSH master still open to exit (used when interrupted).
pub fn stop_all_masters() {
    let sockets = MASTERS.lock().map(|m| m.clone()).unwrap_or_default();
    for s in sockets {
        let _ = std::process::Command::new("ssh")
            .arg("-S")
            .arg(&s)
            .args(["-O", "exit", "sparkctl-master"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyscan_hint_names_the_port_ssh_uses() {
        assert_eq!(keyscan_command("10.0.0.1", 22), "ssh-keyscan 10.0.0.1");
        assert_eq!(
            keyscan_command("10.0.0.1", 2222),
            "ssh-keyscan -p 2222 10.0.0.1"
        );
        let g = "user root\nhostname real.example.org\nport 2200\nhostkeyalias none\n";
        assert_eq!(parse_ssh_g(g), Some(("real.example.org".to_string(), 2200)));
        assert_eq!(parse_ssh_g("hostname x\n"), None);
    }

    /// `[ssh] port`, and the ssh config's Port and HostName, reach the hint
    /// (they used to be ignored: only a host's own `ssh_port` was read).
    #[test]
    fn ssh_target_applies_ssh_port_and_the_ssh_config() {
        let dir = std::env::temp_dir().join(format!("sparkctl-sshg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("ssh_config"),
            "Host a\n  HostName 10.9.9.9\n  Port 2022\n",
        )
        .unwrap();
        let inv = |ssh: &str| {
            format!(
                "[ssh]\n{}\n[spark]\ntarball = \"s.tgz\"\n[[host]]\nname = \"a\"\nroles = [\"master\", \"worker\"]\n",
                ssh
            )
        };
        let parse = |t: &str| crate::inventory::parse(&dir.join("inv.toml"), t).unwrap();
        let c = parse(&inv("port = 2222\nconfig_file = \"/dev/null\""));
        let (addr, port) = ssh_target(&c, &c.hosts[0]);
        // `[ssh] port` wins over the config (ssh -G, or the fallback without ssh).
        assert_eq!((addr.as_str(), port), ("a", 2222));
        let c = parse(&inv("config_file = \"ssh_config\""));
        if std::process::Command::new("ssh").arg("-V").output().is_ok() {
            assert_eq!(ssh_target(&c, &c.hosts[0]), ("10.9.9.9".to_string(), 2022));
        }
        // The whole message, for a port where nothing answers (no keys shown).
        let c = parse(
            &inv("port = 1\nconfig_file = \"/dev/null\"")
                .replace("name = \"a\"", "name = \"a\"\naddress = \"127.0.0.1\""),
        );
        let err = connect_error(
            &c,
            &c.hosts[0],
            "No ED25519 host key is known for 127.0.0.1 and you have requested strict checking.\nHost key verification failed.",
            false,
        );
        assert_eq!(
            format!("{:#}", err),
            "host a: cannot connect to 127.0.0.1 over SSH: Host key verification failed.\n  = help: its host key is not trusted yet: check the fingerprint out of band (`ssh-keyscan -p 1 127.0.0.1 | ssh-keygen -lf -`), then add it to known_hosts, or run again with --accept-new-host-keys"
        );
        let err = connect_error(&c, &c.hosts[0], "Host key verification failed.", true);
        assert!(
            format!("{:#}", err).ends_with("remove the old entry with `ssh-keygen -R '[127.0.0.1]:1'`; otherwise investigate before connecting"),
            "{:#}",
            err
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
