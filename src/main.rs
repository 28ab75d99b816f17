//! Entry point: parse arguments, run the command, map errors to exit codes
//! (see `diag::exit`). All logic lives in the library.

use clap::Parser;
use sparkctl::cli::{Cli, Command};
use sparkctl::command::{self, Global};
use sparkctl::diag::{exit, Diagnostics, UsageError};

fn main() {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let code = rt.block_on(async {
        tokio::select! {
            r = run(cli) => report(r),
            _ = tokio::signal::ctrl_c() => {
                let at = sparkctl::progress::where_we_are();
                sparkctl::exec::stop_all_masters();
                eprintln!("\ninterrupted{}", if at.is_empty() { String::new() } else { format!(" during: {}", at) });
                eprintln!("nothing half-done is in use: uploads, unpacks and config files are only renamed into place once complete. Run the same command again to finish.");
                130
            }
        }
    });
    std::process::exit(code);
}

async fn run(cli: Cli) -> anyhow::Result<i32> {
    let global = Global {
        parallel: cli.parallel as usize,
        connect: sparkctl::exec::ConnectOptions {
            accept_new_host_keys: cli.accept_new_host_keys,
        },
        quiet: cli.quiet,
        break_lock: cli.break_lock,
    };
    match cli.command {
        Command::Deploy {
            inventory,
            dry_run,
            files_only,
            roll,
        } => {
            let c = command::load_inventory(&command::inventory_path(inventory))?;
            command::deploy::run(
                c,
                &global,
                &command::deploy::Args {
                    dry_run,
                    files_only,
                    roll: sparkctl::command::rolling::RollOptions::from(&roll),
                },
            )
            .await
        }
        Command::Restart {
            inventory,
            rolling,
            roll,
        } => {
            let c = command::load_inventory(&command::inventory_path(inventory))?;
            command::lifecycle::restart(
                c,
                &global,
                rolling,
                &sparkctl::command::rolling::RollOptions::from(&roll),
            )
            .await
        }
        Command::Ha(ha) => command::ha::run(ha, &global).await,
        Command::Status { inventory, json } => {
            let c = command::load_inventory(&command::inventory_path(inventory))?;
            command::status::run(&c, json).await
        }
        Command::Start { inventory } => {
            command::lifecycle::start(
                command::load_inventory(&command::inventory_path(inventory))?,
                &global,
            )
            .await
        }
        Command::Stop { inventory } => {
            command::lifecycle::stop(
                command::load_inventory(&command::inventory_path(inventory))?,
                &global,
            )
            .await
        }
        Command::Check { inventory } => command::check(&command::inventory_path(inventory)),
    }
}

fn report(r: anyhow::Result<i32>) -> i32 {
    match r {
        Ok(code) => code,
        Err(e) => {
            if let Some(d) = e.downcast_ref::<Diagnostics>() {
                eprint!("{}", d);
                return exit::USAGE;
            }
            if let Some(u) = e.downcast_ref::<UsageError>() {
                eprintln!("{}", u);
                return exit::USAGE;
            }
            eprintln!("error: {:#}", e);
            exit::FAILED
        }
    }
}
