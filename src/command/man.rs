//! `sparkctl man`: the man page, generated from the CLI's clap definition
//! (the same text as `--help`), for `sparkctl man | man -l -` or packaging.

use crate::cli::Cli;
use anyhow::Result;
use clap::CommandFactory;

/// Print the man page (roff) to standard output.
pub fn run() -> Result<i32> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
    crate::out::write(&String::from_utf8(buf)?);
    Ok(0)
}
