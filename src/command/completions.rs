//! `sparkctl completions SHELL`: a completion script generated from the CLI's
//! own clap definition, so the shells complete exactly the real arguments.

use crate::cli::Cli;
use anyhow::Result;
use clap::CommandFactory;

/// Print the completion script for `shell` to standard output.
pub fn run(shell: clap_complete::Shell) -> Result<i32> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "sparkctl", &mut buf);
    crate::out::write(&String::from_utf8(buf)?);
    Ok(0)
}
