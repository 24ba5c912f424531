//! Work on a stream of items on every core, handing the results back in the stream's order.
//!
//! `check` uses it to start checking the first compose file while the folders are still being
//! searched, and to print and drop each result as soon as the results before it are printed:
//! a run over ten thousand files never holds them all.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};

/// Results further ahead of the one to hand back next than this make the workers wait, so that
/// one slow item (a huge file) cannot make the finished results behind it pile up in memory.
pub const WINDOW: usize = 256;

/// Why an item has no result: its work panicked (a bug; the other items go on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panicked(pub String);

/// Runs `work` on every item of `items` on `workers` threads, and `sink` on each result in the
/// order of the items, on the calling thread. `items` is pulled by the workers, one item at a
/// time, so producing items (a folder walk) overlaps with working on earlier ones.
pub fn for_each_ordered<T, R>(
    items: impl Iterator<Item = T> + Send,
    workers: usize,
    work: impl Fn(T) -> R + Sync,
    mut sink: impl FnMut(Result<R, Panicked>),
) where
    T: Send,
    R: Send,
{
    let workers = workers.max(1);
    let source = Mutex::new((0usize, items));
    // How many results the sink has had (for the window), and how many workers wait for it
    // to grow (waking them is a system call: skipped when nobody waits).
    let handed_back = (Mutex::new(Progress::default()), Condvar::new());
    let (send, receive) = mpsc::channel::<(usize, Result<R, Panicked>)>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let send = send.clone();
            let (source, handed_back, work) = (&source, &handed_back, &work);
            scope.spawn(move || {
                loop {
                    let next = {
                        let mut source = source.lock().unwrap_or_else(|e| e.into_inner());
                        let index = source.0;
                        let (done, wake) = handed_back;
                        let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
                        while index >= done.handed_back + WINDOW {
                            done.waiting += 1;
                            done = wake.wait(done).unwrap_or_else(|e| e.into_inner());
                            done.waiting -= 1;
                        }
                        drop(done);
                        let item = source.1.next();
                        source.0 += 1;
                        item.map(|item| (index, item))
                    };
                    let Some((index, item)) = next else { break };
                    let result = catch_unwind(AssertUnwindSafe(|| work(item)))
                        .map_err(|payload| Panicked(panic_message(payload.as_ref())));
                    if send.send((index, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        let mut pending = BTreeMap::new();
        let mut next = 0;
        for (index, result) in receive {
            pending.insert(index, result);
            while let Some(result) = pending.remove(&next) {
                sink(result);
                next += 1;
                let (done, wake) = &handed_back;
                let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
                done.handed_back = next;
                if done.waiting > 0 {
                    wake.notify_all();
                }
            }
        }
    });
}

#[derive(Default)]
struct Progress {
    handed_back: usize,
    waiting: usize,
}

/// The number of worker threads to use: one per core the process may run on.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn results_come_back_in_order_whatever_the_finishing_order() {
        let mut seen = Vec::new();
        // Early items take longest, so later ones finish first.
        for_each_ordered(
            0..40u64,
            4,
            |i| {
                std::thread::sleep(Duration::from_millis(40u64.saturating_sub(i)));
                i * 10
            },
            |r| seen.push(r.unwrap()),
        );
        assert_eq!(seen, (0..40).map(|i| i * 10).collect::<Vec<_>>());
    }

    #[test]
    fn a_panicking_item_is_reported_and_the_others_go_on() {
        let mut seen = Vec::new();
        for_each_ordered(
            0..5,
            2,
            |i| {
                if i == 2 {
                    panic!("item two");
                }
                i
            },
            |r| seen.push(r),
        );
        assert_eq!(seen.len(), 5);
        assert_eq!(seen[2], Err(Panicked("item two".into())));
        assert_eq!(seen[4], Ok(4));
    }

    #[test]
    fn a_slow_item_holds_back_at_most_a_window_of_results() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let started = AtomicUsize::new(0);
        let most_ahead = AtomicUsize::new(0);
        let total = WINDOW * 3;
        let mut count = 0;
        for_each_ordered(
            0..total,
            2,
            |i| {
                let n = started.fetch_add(1, Ordering::SeqCst);
                if i == 0 {
                    // Item 0 waits until the other worker has had the chance to run ahead.
                    std::thread::sleep(Duration::from_millis(300));
                    most_ahead.store(started.load(Ordering::SeqCst), Ordering::SeqCst);
                }
                n
            },
            |_| count += 1,
        );
        assert_eq!(count, total);
        let ahead = most_ahead.load(Ordering::SeqCst);
        assert!(
            ahead <= WINDOW + 1,
            "{ahead} items were started while item 0 was still running"
        );
        assert!(ahead > 1, "the other worker did not run ahead at all");
    }

    #[test]
    fn no_items_and_one_worker() {
        let mut count = 0;
        for_each_ordered(std::iter::empty::<u8>(), 1, |x| x, |_| count += 1);
        assert_eq!(count, 0);
        let mut seen = Vec::new();
        for_each_ordered(
            "abc".chars(),
            1,
            |c| c.to_ascii_uppercase(),
            |r| seen.push(r.unwrap()),
        );
        assert_eq!(seen, ['A', 'B', 'C']);
    }
}
