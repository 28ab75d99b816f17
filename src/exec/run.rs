//! Running scripts over an open connection (with the command timeout, sudo
//! and stdin from memory or from a file), forwarding probes, and closing.

use super::errors::error_chain;
use super::{unregister_master, Conn, Output, StepError};
use anyhow::{anyhow, Result};
use openssh::{Session, Stdio};
use std::io::Seek;
use std::sync::Arc;
use std::time::Duration;

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

    /// How [`sh`](Self::sh) runs a script, as `-vv` traces it.
    fn launcher(&self) -> &'static str {
        if self.sudo {
            "sudo -n -- sh -c"
        } else {
            "sh -c"
        }
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
        let trace = crate::trace::Step::start(&self.host, step, self.launcher(), script);
        let work = async {
            let mut child = cmd.spawn().await?;
            if let (Some(mut w), Some(input)) = (child.stdin().take(), input) {
                w.write_all(&input).await.map_err(openssh::Error::ChildIo)?;
                w.shutdown().await.map_err(openssh::Error::ChildIo)?;
            }
            child.wait_with_output().await
        };
        let r = tokio::time::timeout(self.timeout, work).await;
        trace.done(match &r {
            Ok(Ok(o)) => o.status.code(),
            _ => None,
        });
        match r {
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
        let trace = crate::trace::Step::start(&self.host, step, self.launcher(), script);
        let fut = cmd.output();
        tokio::pin!(fut);
        let deadline = tokio::time::sleep(self.timeout);
        tokio::pin!(deadline);
        let mut tick = tokio::time::interval(Duration::from_millis(150));
        loop {
            tokio::select! {
                r = &mut fut => {
                    trace.done(r.as_ref().ok().and_then(|o| o.status.code()));
                    let o = r.map_err(|e| self.error(step, None, format!("SSH failed: {}", e)))?;
                    if let Ok(p) = probe.stream_position() { on_progress(p); }
                    let out = self.output(o);
                    return self.checked(step, out);
                }
                _ = tick.tick() => { if let Ok(p) = probe.stream_position() { on_progress(p); } }
                _ = &mut deadline => {
                    trace.done(None);
                    return Err(self.timed_out(step));
                }
            }
        }
    }

    /// Run a script with its stdout and stderr streamed to this process's
    /// own as they come (`sparkctl submit`: an application's output, live),
    /// stdin closed; returns its exit status, not judged. No command
    /// timeout: an application runs as long as it runs. `None` when the
    /// remote command ended without a status (killed by a signal, or the
    /// connection dropped).
    pub async fn run_streamed(&self, step: &str, script: &str) -> Result<Option<i32>> {
        let mut cmd = self.sh(script);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit());
        let trace = crate::trace::Step::start(&self.host, step, self.launcher(), script);
        let status = async { cmd.spawn().await?.wait().await }.await;
        trace.done(status.as_ref().ok().and_then(|s| s.code()));
        let status = status.map_err(|e| self.error(step, None, format!("SSH failed: {}", e)))?;
        Ok(status.code())
    }

    /// Run a script that ends when its standard input does (`logs -f`),
    /// its output streamed like [`run_streamed`](Self::run_streamed). The
    /// input is held open, never written; Ctrl-C closes it, which is the
    /// script's signal to clean up and exit (the channel carries no
    /// signals), and gets `Some(0)`: following until interrupted is the
    /// command working. No command timeout: it runs until then.
    pub async fn run_following(&self, step: &str, script: &str) -> Result<Option<i32>> {
        let mut cmd = self.sh(script);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit());
        let trace = crate::trace::Step::start(&self.host, step, self.launcher(), script);
        let mut child = cmd
            .spawn()
            .await
            .map_err(|e| self.error(step, None, format!("SSH failed: {}", e)))?;
        let stdin = child.stdin().take();
        let wait = child.wait();
        tokio::pin!(wait);
        let status = tokio::select! {
            s = &mut wait => s.map(|s| s.code()),
            _ = tokio::signal::ctrl_c() => {
                drop(stdin);
                // The host's side ends within a second (tail's --pid);
                // a dead link must not keep the operator waiting longer.
                // Whatever the channel says now, the operator asked to
                // stop and got what was there: a clean end.
                let _ = tokio::time::timeout(Duration::from_secs(5), &mut wait).await;
                Ok(Some(0))
            }
        };
        trace.done(status.as_ref().ok().copied().flatten());
        status.map_err(|e| self.error(step, None, format!("SSH failed: {}", e)))
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
