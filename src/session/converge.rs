//! The order daemons start and stop in, defined once: ZooKeeper's quorum
//! first (the masters elect their leader through it), then the masters,
//! then the workers (they register with the ALIVE master), then the
//! history server (it needs none of them). Stopping is the
//! reverse, so nothing is left talking to a daemon already gone.
//!
//! `start`/`stop`/`restart` walk it directly; `deploy` and the rolling
//! restart walk it too, each with its own steps per daemon.

use crate::daemon::KINDS;
use crate::layout::Daemon;

/// The order daemons start in: ZooKeeper quorum, then masters, then
/// workers; the order of the daemon table (`daemon::SPECS`), where a new
/// kind takes its place.
pub const START_ORDER: [Daemon; KINDS] = Daemon::ALL;

/// The order daemons stop in: [`START_ORDER`] reversed (derived, so the two
/// cannot drift apart).
pub fn stop_order() -> [Daemon; KINDS] {
    let mut order = START_ORDER;
    order.reverse();
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_is_the_reverse_of_start() {
        assert_eq!(
            stop_order(),
            [
                Daemon::MesosDispatcher,
                Daemon::Connect,
                Daemon::History,
                Daemon::Worker,
                Daemon::Master,
                Daemon::ZooKeeper
            ]
        );
    }
}
