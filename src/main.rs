//! Entry point: parse arguments, run the command, map errors to exit codes
//! (see `diag::exit`). All logic lives in the library.

use clap::Parser;
use sparkctl::cli::{Cli, Command, HostArgs, K8sCommand};
use sparkctl::command::{self, Global};
use sparkctl::diag::{exit, style, Diagnostics, Palette, UsageError};
use sparkctl::session::select::Selection;

fn main() {
    // SIGPIPE stays ignored (Rust's default): commands write stdout through
    // `sparkctl::out`, which survives a closed pipe; src/out.rs says why
    // resetting the signal to its default would be worse.
    // The colour choice is set before clap parses, so that clap's own
    // errors follow `--color` too (src/diag/style.rs).
    if let Some(choice) = style::color_flag(std::env::args_os().skip(1)) {
        style::set_choice(choice);
    }
    let cli = Cli::parse();
    // Before anything runs: every step line and trace follows them.
    sparkctl::progress::set_quiet(cli.quiet);
    sparkctl::trace::init(cli.verbose);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("tokio runtime");
    // `logs -f` and `ssh` end on Ctrl-C as their way of working (they
    // handle it themselves), not as an interrupted run.
    let own_ctrl_c = matches!(cli.command, Command::Logs { .. } | Command::Ssh { .. });
    let code = rt.block_on(async {
        if own_ctrl_c {
            return report(run(cli).await);
        }
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
    let mut global = Global {
        parallel: cli.parallel as usize,
        connect: sparkctl::exec::ConnectOptions {
            accept_new_host_keys: cli.accept_new_host_keys,
        },
        quiet: cli.quiet,
        break_lock: cli.break_lock,
        reverify: if cli.verify {
            sparkctl::dist::Reverify::Yes
        } else {
            sparkctl::dist::Reverify::No
        },
        select: Selection::all(),
    };
    // --limit/--skip are checked against the inventory right after it is
    // loaded: before any distribution is resolved or any host contacted.
    let select = |c: &sparkctl::inventory::Cluster, h: &HostArgs| {
        Selection::of_cluster(c, &h.limit, &h.skip)
    };
    match cli.command {
        Command::Deploy {
            inventory,
            dry_run,
            json,
            files_only,
            stop_removed,
            hosts,
            roll,
        } => {
            let c = command::load_inventory(&inventory.path)?;
            global.select = select(&c, &hosts)?;
            command::deploy::run(
                c,
                &global,
                &command::deploy::Args {
                    dry_run,
                    json,
                    files_only,
                    stop_removed,
                    roll: sparkctl::session::rolling::RollOptions::from(&roll),
                },
            )
            .await
        }
        Command::Restart {
            inventory,
            rolling,
            hosts,
            roll,
        } => {
            let c = command::load_inventory(&inventory.path)?;
            global.select = select(&c, &hosts)?;
            command::lifecycle::restart(
                c,
                &global,
                rolling,
                &sparkctl::session::rolling::RollOptions::from(&roll),
            )
            .await
        }
        Command::Ha(ha) => command::ha::run(ha, &global).await,
        Command::Status {
            inventory,
            json,
            hosts,
        } => {
            let c = command::load_inventory(&inventory.path)?;
            let sel = select(&c, &hosts)?;
            command::status::run(&c, json, &sel, &global.connect).await
        }
        Command::Start { inventory, hosts } => {
            let c = command::load_inventory(&inventory.path)?;
            global.select = select(&c, &hosts)?;
            command::lifecycle::start(c, &global).await
        }
        Command::Stop {
            inventory,
            hosts,
            graceful,
            decommission_timeout,
        } => {
            let c = command::load_inventory(&inventory.path)?;
            global.select = select(&c, &hosts)?;
            let graceful = graceful.then(|| std::time::Duration::from_secs(decommission_timeout));
            command::lifecycle::stop(c, &global, graceful).await
        }
        Command::Init {
            path,
            hosts,
            masters,
            workers,
            zookeeper,
            spark_tarball,
            zookeeper_tarball,
            force,
        } => command::init::run(
            &path,
            &command::init::Args {
                hosts,
                masters,
                workers,
                zookeeper,
                spark_tarball,
                zookeeper_tarball,
                force,
            },
        ),
        Command::Check {
            inventory,
            show,
            json,
        } => match inventory.path {
            // The Kubernetes check has its own report; no JSON shape for it yet.
            p if sparkctl::k8s::is_k8s_inventory(&p) && json => Err(UsageError(format!(
                "error: check --json: {} is a Kubernetes inventory ([kubernetes]); --json describes SSH inventories only\n  = help: run `sparkctl check {}` without --json, or `sparkctl k8s render` for the manifests",
                p.display(),
                p.display()
            ))
            .into()),
            p if sparkctl::k8s::is_k8s_inventory(&p) => sparkctl::k8s::check(&p),
            p => command::check::run(&p, show.as_deref(), json),
        },
        Command::K8s(K8sCommand::Render {
            inventory,
            out,
            print_submit,
        }) => sparkctl::k8s::render_command(&inventory.path, out.as_deref(), print_submit),
        Command::Submit {
            inventory,
            on,
            deploy_mode,
            status,
            kill,
            local,
            spark_args,
        } => {
            let args = command::submit::Args {
                on,
                mode: deploy_mode,
                status,
                kill,
                local,
                spark_args,
            };
            command::submit::run(&inventory.path, &args, &global.connect, global.quiet).await
        }
        Command::Uninstall {
            inventory,
            purge,
            yes,
            hosts,
        } => {
            let c = command::load_inventory(&inventory.path)?;
            global.select = select(&c, &hosts)?;
            command::uninstall::run(c, &global, command::uninstall::Args { purge, yes }).await
        }
        Command::Logs {
            words,
            lines,
            follow,
        } => {
            let t = target(&words, 1)?;
            command::logs::run(&t, &command::logs::Args { lines, follow }, &global.connect).await
        }
        Command::Ssh { words, command } => {
            let t = target(&words, 0)?;
            command::ssh::run(&t, &command, &global.connect).await
        }
        Command::RestToken { inventory, ttl } => command::rest_token::run(&inventory.path, ttl),
        Command::ConnectToken { inventory } => command::connect_token::run(&inventory.path),
        Command::Completions { shell } => command::completions::run(shell),
        Command::Man => command::man::run(),
        Command::Version { json } => command::version::run(json),
    }
}

/// `[INVENTORY] HOST [EXTRA]` of `logs` and `ssh` (command/target.rs).
fn target(words: &[String], max_extra: usize) -> anyhow::Result<command::target::Target> {
    // Only asked when the words name no inventory: an empty variable is
    // then an error, else it does not matter.
    let given = command::target::split(words, max_extra, std::path::Path::new(""), |p| p.is_file());
    if given.inventory.as_os_str().is_empty() {
        let inventory = command::target::default_inventory()?;
        return Ok(command::target::Target { inventory, ..given });
    }
    Ok(given)
}

fn report(r: anyhow::Result<i32>) -> i32 {
    match r {
        Ok(code) => code,
        Err(e) => {
            let p = Palette::stderr();
            if let Some(d) = e.downcast_ref::<Diagnostics>() {
                eprint!("{}", d.styled(&p));
                return exit::USAGE;
            }
            if let Some(u) = e.downcast_ref::<UsageError>() {
                eprintln!("{}", style::paint_message(&u.to_string(), &p));
                return exit::USAGE;
            }
            eprintln!("{}", style::paint_message(&format!("error: {:#}", e), &p));
            exit::FAILED
        }
    }
}
