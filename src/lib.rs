//! sparkctl: deploy and operate Apache Spark standalone clusters with
//! ZooKeeper high availability over SSH.
//!
//! Layers, from pure to effectful (see docs/design.md):
//! `inventory` (what the user wants) -> `facts` (what hosts have) -> `plan`
//! (what to change, pure) -> `exec` (the only code that talks to hosts) ->
//! `health` (proof that the cluster works).

pub mod cli;
pub mod command;
pub mod connect;
pub mod daemon;
pub mod decommission;
pub mod diag;
pub mod diff;
pub mod dist;
pub mod exec;
pub mod facts;
pub mod health;
pub mod inventory;
pub mod k8s;
pub mod layout;
pub mod lock;
pub mod membership;
pub mod mux;
pub mod out;
pub mod ownership;
pub mod plan;
pub mod progress;
pub mod render;
pub mod rest;
pub mod secret;
pub mod session;
pub mod shell;
pub mod steps;
pub mod trace;
