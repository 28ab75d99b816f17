//! The wait helper's timing: when it probes, judges and gives up.

use super::*;
use std::cell::Cell;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

#[test]
fn done_on_the_first_satisfied_judgement() {
    let probes = Cell::new(0);
    let r = rt().block_on(wait_until(
        Wait::new(Duration::from_secs(5), Duration::from_millis(1)),
        || {
            probes.set(probes.get() + 1);
            std::future::ready(probes.get())
        },
        |n, _| {
            ready(if n == 3 {
                Verdict::Done(n)
            } else {
                Verdict::Pending(n)
            })
        },
    ));
    assert!(matches!(r, Ok(Waited::Done(3))));
}

#[test]
fn probe_first_judges_once_even_past_the_deadline() {
    let r: Result<Waited<(), u32>> = rt().block_on(wait_until(
        Wait::new(Duration::ZERO, Duration::from_millis(1))
            .since(Instant::now() - Duration::from_secs(1)),
        || std::future::ready(7),
        |n, _| ready(Verdict::Pending(n)),
    ));
    assert!(matches!(r, Ok(Waited::Expired(Some(7)))));
}

#[test]
fn deadline_first_does_not_probe_past_the_deadline() {
    let r: Result<Waited<(), u32>> = rt().block_on(wait_until(
        Wait::new(Duration::from_secs(1), Duration::from_millis(1))
            .since(Instant::now() - Duration::from_secs(1))
            .deadline_first(),
        || -> std::future::Ready<u32> { panic!("probed past the deadline") },
        |n, _| ready(Verdict::Pending(n)),
    ));
    assert!(matches!(r, Ok(Waited::Expired(None))));
}

#[test]
fn exit_checks_come_every_interval_and_a_failing_judge_ends_the_wait() {
    let checks = Cell::new(0);
    let r: Result<Waited<(), ()>> = rt().block_on(wait_until(
        Wait::new(Duration::from_secs(5), Duration::from_millis(2))
            .exit_checks(Duration::from_millis(10)),
        || std::future::ready(()),
        |_, round| {
            if round.check_exits {
                checks.set(checks.get() + 1);
            }
            std::future::ready(if checks.get() == 2 {
                Err(anyhow::anyhow!("exited"))
            } else {
                Ok(Verdict::Pending(()))
            })
        },
    ));
    assert_eq!(r.err().map(|e| e.to_string()).as_deref(), Some("exited"));
}
