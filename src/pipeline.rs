//! Work on a stream of items on every core, handing the results back in the stream's order.
//!
//! `check` uses it to start checking the first compose file while the folders are still being
//! searched, and to print and drop each result as soon as the results before it are printed:
//! a run over ten thousand files never holds them all.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::SeqCst;
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
///
/// The calling thread is one of the workers: between its own items it hands back the results
/// the others sent. It only blocks on them when it may not run further ahead ([`WINDOW`]) or
/// has nothing left to take, so a result rarely costs a thread wake-up.
pub fn for_each_ordered<T, R>(
    items: impl Iterator<Item = T> + Send,
    workers: usize,
    work: impl Fn(T) -> R + Sync,
    sink: impl FnMut(Result<R, Panicked>),
) where
    T: Send,
    R: Send,
{
    let shared = Shared {
        items: Mutex::new(items),
        taken: AtomicUsize::new(0),
        handed_back: AtomicUsize::new(0),
        waiting: AtomicUsize::new(0),
        wait_lock: Mutex::new(()),
        wake: Condvar::new(),
    };
    let (send, receive) = mpsc::channel::<(usize, Result<R, Panicked>)>();
    let run = |item| {
        catch_unwind(AssertUnwindSafe(|| work(item)))
            .map_err(|payload| Panicked(panic_message(payload.as_ref())))
    };
    std::thread::scope(|scope| {
        for _ in 1..workers.max(1) {
            let send = send.clone();
            let (shared, run) = (&shared, &run);
            scope.spawn(move || {
                while let Some((index, item)) = shared.take(true) {
                    if send.send((index, run(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        let mut order = Order {
            pending: BTreeMap::new(),
            next: 0,
            sink,
            shared: &shared,
        };
        loop {
            while let Ok((index, result)) = receive.try_recv() {
                order.add(index, result);
            }
            // Too far ahead of the oldest result not back yet: wait for it rather than take
            // more (this thread hands results back, so it must not wait for a hand-back).
            if shared.next_index() >= order.next + WINDOW {
                match receive.recv() {
                    Ok((index, result)) => order.add(index, result),
                    Err(_) => break,
                }
                continue;
            }
            let Some((index, item)) = shared.take(false) else {
                break;
            };
            order.add(index, run(item));
        }
        for (index, result) in receive {
            order.add(index, result);
        }
    });
}

struct Shared<I> {
    /// Taken from by every worker, one item at a time.
    items: Mutex<I>,
    /// How many items were taken (the index of the next one); grows under the `items` lock.
    taken: AtomicUsize,
    /// How many results the sink has had.
    handed_back: AtomicUsize,
    /// Workers waiting for `handed_back` to grow: waking them is a system call, skipped when
    /// there are none.
    waiting: AtomicUsize,
    wait_lock: Mutex<()>,
    wake: Condvar,
}

impl<I: Iterator> Shared<I> {
    fn next_index(&self) -> usize {
        self.taken.load(SeqCst)
    }

    /// The next item and its index. A spawned worker (`wait`) first waits while the next
    /// item would be a window or more ahead of the results handed back (without holding the
    /// items: the calling thread must be able to go on).
    fn take(&self, wait: bool) -> Option<(usize, I::Item)> {
        if wait && self.too_far_ahead() {
            let mut guard = self.wait_lock.lock().unwrap_or_else(|e| e.into_inner());
            // Counted before the condition is read again: a hand-back that this read misses
            // sees the count and wakes us (see `Order::add`).
            self.waiting.fetch_add(1, SeqCst);
            while self.too_far_ahead() {
                guard = self.wake.wait(guard).unwrap_or_else(|e| e.into_inner());
            }
            self.waiting.fetch_sub(1, SeqCst);
        }
        let mut items = self.items.lock().unwrap_or_else(|e| e.into_inner());
        let item = items.next()?;
        Some((self.taken.fetch_add(1, SeqCst), item))
    }

    fn too_far_ahead(&self) -> bool {
        self.taken.load(SeqCst) >= self.handed_back.load(SeqCst) + WINDOW
    }
}

/// Results put back in the order of their items.
struct Order<'s, R, S, I> {
    pending: BTreeMap<usize, Result<R, Panicked>>,
    next: usize,
    sink: S,
    shared: &'s Shared<I>,
}

impl<R, S: FnMut(Result<R, Panicked>), I> Order<'_, R, S, I> {
    fn add(&mut self, index: usize, result: Result<R, Panicked>) {
        if index != self.next {
            self.pending.insert(index, result);
            return;
        }
        (self.sink)(result);
        self.next += 1;
        while let Some(result) = self.pending.remove(&self.next) {
            (self.sink)(result);
            self.next += 1;
        }
        self.shared.handed_back.store(self.next, SeqCst);
        if self.shared.waiting.load(SeqCst) > 0 {
            let _guard = self
                .shared
                .wait_lock
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            self.shared.wake.notify_all();
        }
    }
}

/// Runs `items` on a thread of its own, ahead of the reader.
///
/// `check` reads the folder walk this way: walking is mostly system calls (a directory read
/// and a stat for each ignore file of every folder), and while the workers took turns
/// walking under a lock, a run over a few hundred files was hardly faster on two cores than
/// on one. Items go over in batches that grow from 1 to [`MAX_BATCH`] (the first file is
/// checked at once, and later a thread switch serves many items: one per item cost more
/// system time than the walk saved), at most `batches` batches ahead. A panic while
/// producing ends the items with the item `on_panic` makes of it.
pub fn read_ahead<T: Send + 'static>(
    items: impl Iterator<Item = T> + Send + 'static,
    batches: usize,
    on_panic: impl FnOnce(Panicked) -> T + Send + 'static,
) -> impl Iterator<Item = T> {
    let (send, receive) = mpsc::sync_channel::<Vec<T>>(batches);
    std::thread::spawn(move || {
        let mut size = 1;
        let mut batch = Vec::with_capacity(size);
        let produced = catch_unwind(AssertUnwindSafe(|| {
            for item in items {
                batch.push(item);
                if batch.len() >= size {
                    size = (size * 2).min(MAX_BATCH);
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(size));
                    if send.send(full).is_err() {
                        return;
                    }
                }
            }
        }));
        if let Err(payload) = produced {
            batch.push(on_panic(Panicked(panic_message(payload.as_ref()))));
        }
        if !batch.is_empty() {
            let _ = send.send(batch);
        }
    });
    receive.into_iter().flatten()
}

/// The largest batch [`read_ahead`] hands over.
const MAX_BATCH: usize = 32;

/// The number of worker threads to use: one per core the process may run on.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `work` on every item of a small list on `threads` threads (the caller's included), the
/// threads taking the items in turns; the results in the items' order. For the parts of one
/// big job (the rules of a project, the pieces of a text), not for a stream of files
/// ([`for_each_ordered`]). A panic goes on unwinding in the caller.
pub fn map_in_turns<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    use std::sync::atomic::Ordering::Relaxed;
    let helpers = threads.min(items.len()).saturating_sub(1);
    if helpers == 0 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let take_turns = || {
        let mut done = Vec::new();
        loop {
            let at = next.fetch_add(1, Relaxed);
            let Some(item) = items.get(at) else {
                return done;
            };
            done.push((at, work(item)));
        }
    };
    let mut done = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..helpers).map(|_| scope.spawn(take_turns)).collect();
        let mut done = take_turns();
        for handle in handles {
            match handle.join() {
                Ok(more) => done.extend(more),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        done
    });
    done.sort_by_key(|(at, _)| *at);
    done.into_iter().map(|(_, result)| result).collect()
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
    fn read_ahead_keeps_the_order_and_reports_a_panic() {
        let items: Vec<u32> = read_ahead(0..1000u32, 16, |_| u32::MAX).collect();
        assert_eq!(items, (0..1000).collect::<Vec<_>>());
        let failing = (0..5u32).map(|i| if i == 3 { panic!("walk broke") } else { i });
        let items: Vec<String> = read_ahead(failing.map(|i| i.to_string()), 2, |p| p.0).collect();
        assert_eq!(items, ["0", "1", "2", "walk broke"]);
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

    #[test]
    fn items_taken_in_turns_come_back_in_order_on_every_thread_count() {
        let items: Vec<u64> = (0..30).collect();
        for threads in [1, 2, 4, 64] {
            let threads_seen = Mutex::new(std::collections::HashSet::new());
            // Early items take longest, so later ones finish first.
            let out = map_in_turns(&items, threads, |&i| {
                std::thread::sleep(Duration::from_millis(30 - i));
                threads_seen
                    .lock()
                    .unwrap()
                    .insert(std::thread::current().id());
                i * 3
            });
            assert_eq!(out, items.iter().map(|i| i * 3).collect::<Vec<_>>());
            let used = threads_seen.into_inner().unwrap().len();
            assert!(
                used <= threads.min(items.len()),
                "{used} threads for {threads}"
            );
            assert_eq!(used > 1, threads > 1, "{used} threads for {threads}");
        }
        assert!(map_in_turns(&[] as &[u8], 4, |_| 0).is_empty());
    }

    #[test]
    fn a_panic_in_one_item_unwinds_in_the_caller() {
        let caught = std::panic::catch_unwind(|| {
            map_in_turns(&[1, 2, 3, 4], 2, |&i| {
                assert!(i != 3, "item three");
                i
            })
        });
        let payload = caught.expect_err("the panic reaches the caller");
        assert_eq!(panic_message(payload.as_ref()), "item three");
    }
}
