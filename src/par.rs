//! Work split across the machine's cores, for passes over every account of
//! a big book: scoring each account (percentile look-ups per criterion) is
//! most of a second on one core at 100k accounts, paid by every open, the
//! first screen after a change and `segments`.

/// Frees `x` on a thread of its own. The answers kept for a book's last
/// state hold 100k list rows at 100k accounts; freeing them took about
/// 20 ms of the first request after a write, which a user waits for.
pub(crate) fn drop_aside<T: Send + 'static>(x: T) {
    // If no thread can be started, the refused closure frees `x` here.
    let _ = std::thread::Builder::new()
        .name("kam-free".into())
        .spawn(move || drop(x));
}

/// Runs `f` on a thread of its own at the lowest priority (the threads it
/// starts inherit it): work made ahead of a first ask, such as the search
/// text after an open, then takes only what the work a user waits for
/// leaves of the cores.
pub(crate) fn in_background(name: &str, f: impl FnOnce() + Send + 'static) {
    // If no thread can be started, the work waits for its first ask.
    let _ = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            lowest_priority();
            f()
        });
}

/// This thread (not the process) at nice 19: on Linux a thread's nice
/// value is its own. Elsewhere it keeps the process's.
fn lowest_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on this thread's own id.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19);
    }
}

/// `items.iter().map(f).collect()`, in chunks on scoped threads (one per
/// core, at most four); in order. Small inputs stay on this thread.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    chunks(items, |_, part| part.iter().map(&f).collect())
}

/// `f(start, part)` for consecutive parts of `items` (`start`: the index of
/// the part's first item), on scoped threads as for `map`; the results
/// concatenated in order. For work that sets something up once per part.
pub(crate) fn chunks<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(usize, &[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    const SMALL: usize = 4096;
    if items.len() < SMALL {
        return f(0, items);
    }
    let threads = threads();
    if threads < 2 {
        return f(0, items);
    }
    let per = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let parts: Vec<_> = items
            .chunks(per)
            .enumerate()
            .map(|(n, part)| s.spawn(move || f(n * per, part)))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for p in parts {
            out.extend(join(p));
        }
        out
    })
}

/// `f` on every item of `items`, in place, split as for `map`: a pass
/// that updates what each item holds makes no second copy of the results
/// (at 100k accounts a recompute's new metrics were 35 MB, held twice).
pub(crate) fn for_each_mut<T: Send>(items: &mut [T], f: impl Fn(&mut T) + Sync) {
    const SMALL: usize = 4096;
    let threads = threads();
    if items.len() < SMALL || threads < 2 {
        items.iter_mut().for_each(f);
        return;
    }
    let per = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let parts: Vec<_> = items
            .chunks_mut(per)
            .map(|part| s.spawn(move || part.iter_mut().for_each(f)))
            .collect();
        parts.into_iter().for_each(join);
    });
}

/// Threads a pass is split into: one per core, at most four. Asked of the
/// system once: each ask reads the cgroup files, and a search keystroke
/// splits a pass.
pub(crate) fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(4)
    })
}

/// The thread's result; a panic in it is this thread's panic, as if the
/// work had been done here.
pub(crate) fn join<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
}

#[cfg(test)]
mod tests {
    /// Tells, when dropped, which thread dropped it.
    struct Told(std::sync::mpsc::Sender<Option<String>>);
    impl Drop for Told {
        fn drop(&mut self) {
            let _ = self
                .0
                .send(std::thread::current().name().map(str::to_string));
        }
    }

    #[test]
    fn what_is_dropped_aside_is_freed_on_another_thread() {
        let (tx, rx) = std::sync::mpsc::channel();
        super::drop_aside(Told(tx));
        let by = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("dropped");
        assert_eq!(by.as_deref(), Some("kam-free"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn background_work_runs_at_the_lowest_priority() {
        // SAFETY: plain system calls on this thread's own id.
        let nice_here =
            || unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) };
        let before = nice_here();
        let (tx, rx) = std::sync::mpsc::channel();
        super::in_background("kam-test", move || {
            // SAFETY: plain system calls on this thread's own id.
            let nice =
                unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) };
            let _ = tx.send(nice);
        });
        let nice = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("ran");
        assert_eq!(nice, 19);
        assert_eq!(nice_here(), before, "the caller's priority is its own");
    }

    #[test]
    fn maps_in_order_whatever_the_size() {
        for n in [0, 1, 4095, 4096, 10_001] {
            let items: Vec<u64> = (0..n).collect();
            let want: Vec<u64> = items.iter().map(|x| x * 3 + 1).collect();
            assert_eq!(super::map(&items, |x| x * 3 + 1), want, "{n} items");
            // Each part knows where it starts.
            let at = super::chunks(&items, |start, part| {
                (0..part.len()).map(|i| start + i).collect()
            });
            assert_eq!(at, (0..n as usize).collect::<Vec<_>>(), "{n} items");
            let mut each = items.clone();
            super::for_each_mut(&mut each, |x| *x = *x * 3 + 1);
            assert_eq!(each, want, "{n} items, in place");
        }
    }
}
