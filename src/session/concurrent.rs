//! Awaiting several futures at once that borrow the session (a probe of
//! each host through `&self.route`): `tokio::spawn` and `JoinSet` need
//! `'static` futures, and the crate has no `futures` dependency, so
//! [`join_all`] is the few lines of `futures::future::join_all` it needs.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// Await every future of `futs` concurrently (on this task: no spawning),
/// their outputs in the order given. A round of N probes costs the
/// slowest one, not the sum of their timeouts. Each wake polls every
/// future still pending: fine for the handful of hosts a round probes.
pub async fn join_all<F: Future>(futs: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut futs: Vec<Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, o) in futs.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *o = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter()
        .map(|o| o.expect("join_all: every future is ready"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::join_all;
    use std::time::Duration;
    use tokio::time::{sleep, Instant};

    #[tokio::test(start_paused = true)]
    async fn waits_for_the_slowest_only_and_keeps_the_order() {
        let t0 = Instant::now();
        let v = join_all([3u64, 1, 2].map(|s| async move {
            sleep(Duration::from_secs(s)).await;
            s
        }))
        .await;
        assert_eq!(v, [3, 1, 2]);
        assert_eq!(t0.elapsed(), Duration::from_secs(3));
        assert!(join_all(Vec::<std::future::Ready<()>>::new())
            .await
            .is_empty());
    }
}
