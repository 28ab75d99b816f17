//! `[ssh]`: how sparkctl reaches the hosts (host-key policy, probe route,
//! connection reuse), resolved with its defaults.

use super::values::expand_home;
use super::Errors;
use crate::inventory::raw::RawInventory;
use crate::inventory::{ProbeRoute, SshOptions};
use crate::path;
use std::path::Path;

pub(super) fn resolve_ssh(e: &mut Errors, base: &Path, raw: &RawInventory) -> SshOptions {
    let s = &raw.ssh;
    let accept_new = match s.host_key_policy.as_deref().unwrap_or("strict") {
        "strict" => false,
        "accept-new" => true,
        other => {
            e.help(path!["ssh", "host_key_policy"], format!("unknown host_key_policy `{}`", other), "expected \"strict\" (the default: unknown host keys are refused) or \"accept-new\" (trust and record keys of hosts never seen before)");
            false
        }
    };
    let probe = match s.probe.as_deref().unwrap_or("ssh") {
        "ssh" => ProbeRoute::Ssh,
        "direct" => ProbeRoute::Direct,
        other => {
            e.help(path!["ssh", "probe"], format!("unknown probe `{}`", other), "expected \"ssh\" (the default: health probes travel through each host's SSH connection) or \"direct\" (this machine connects to the daemons' ports itself)");
            ProbeRoute::Ssh
        }
    };
    // A master that never exits is a standing login on every host.
    if let Some(secs) = s.control_persist.filter(|&n| n > 86_400) {
        e.help(path!["ssh", "control_persist"], format!("control_persist = {} is more than a day", secs), "expected the seconds an idle SSH connection stays open for the next run, at most 86400 (the default is 300; 0 closes every connection when its run ends)");
    }
    let file = |p: &Option<String>| p.as_ref().map(|p| base.join(expand_home(p)));
    SshOptions {
        probe,
        user: s.user.clone(),
        port: s.port,
        identity_file: file(&s.identity_file),
        config_file: file(&s.config_file),
        known_hosts_file: file(&s.known_hosts_file),
        accept_new_host_keys: accept_new,
        connect_timeout: s.connect_timeout.unwrap_or(10),
        command_timeout: s.command_timeout.unwrap_or(600),
        sudo: s.sudo.unwrap_or(false),
        control_persist: s.control_persist.unwrap_or(300),
    }
}
