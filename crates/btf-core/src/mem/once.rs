//! [`RaceOnce`]: a cell initialised at most once, without a lock. Concurrent first users each
//! build a value and the first to publish it wins; the others drop theirs. No thread ever waits
//! for another, so a `fork()` taken while some thread is half-way through a build leaves the
//! child a cell it can still fill (a `OnceLock` would stay "running" forever in the child, whose
//! copy of the building thread does not exist). The cost is duplicated work under contention on
//! first use only.

use std::fmt;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// A lazily built value shared by readers (`&self`) and replaced by the owner (`&mut self`).
pub struct RaceOnce<T> {
    /// Null, or a pointer from `Box::into_raw` owned by this cell.
    value: AtomicPtr<T>,
}

// SAFETY: the cell owns its `T` like a `Box<T>` does; sharing `&RaceOnce<T>` hands out `&T`
// (needs `T: Sync`) and lets any thread publish a `T` built there (needs `T: Send`).
unsafe impl<T: Send + Sync> Sync for RaceOnce<T> {}
// SAFETY: moving the cell moves ownership of its boxed `T`.
unsafe impl<T: Send> Send for RaceOnce<T> {}

impl<T> RaceOnce<T> {
    /// An empty cell.
    pub const fn new() -> Self {
        RaceOnce {
            value: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// The value, if built.
    pub fn get(&self) -> Option<&T> {
        let p = self.value.load(Ordering::Acquire);
        if !p.is_null() {
            helgrind::received(self.tag());
        }
        // SAFETY: a non-null pointer was published by `publish` from `Box::into_raw` and is freed
        // only through `&mut self` (or drop), so it is valid for as long as `&self` is.
        unsafe { p.as_ref() }
    }

    /// This cell's address, naming it to Helgrind.
    fn tag(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    /// The value, building it with `build` first if no thread has published one yet.
    pub fn get_or_init(&self, build: impl FnOnce() -> T) -> &T {
        match self.get() {
            Some(v) => v,
            None => self.publish(Box::new(build())),
        }
    }

    /// Publishes `fresh` unless a value is already there; returns the value in the cell.
    fn publish(&self, fresh: Box<T>) -> &T {
        let fresh = Box::into_raw(fresh);
        helgrind::sending(self.tag());
        match self.value.compare_exchange(
            ptr::null_mut(),
            fresh,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            // SAFETY: `fresh` is now owned by the cell (see `get`).
            Ok(_) => unsafe { &*fresh },
            Err(winner) => {
                helgrind::received(self.tag());
                // SAFETY: `fresh` lost the race and was never shared: this is its only owner.
                drop(unsafe { Box::from_raw(fresh) });
                // SAFETY: `winner` is non-null and owned by the cell (see `get`).
                unsafe { &*winner }
            }
        }
    }

    /// Sets the value if the cell is empty; otherwise leaves it as it is.
    pub fn set(&self, value: T) {
        if self.get().is_none() {
            self.publish(Box::new(value));
        }
    }

    /// Mutable access for the owner.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        // SAFETY: `&mut self` excludes every reader; the pointer is null or owned (see `get`).
        unsafe { self.value.get_mut().as_mut() }
    }

    /// Empties the cell, returning its value.
    pub fn take(&mut self) -> Option<T> {
        let p = std::mem::replace(self.value.get_mut(), ptr::null_mut());
        // SAFETY: null, or the owned box, whose ownership moves out of the now-empty cell.
        (!p.is_null()).then(|| *unsafe { Box::from_raw(p) })
    }
}

/// Happens-before annotations for Helgrind (valgrind's `ANNOTATE_HAPPENS_BEFORE` / `_AFTER`
/// client requests), compiled in only with the `helgrind` feature on x86-64. Helgrind models
/// pthread synchronisation, not atomics: without them it reports every read of a value published
/// here as a race with the thread that built it. Outside valgrind a client request is a handful of
/// no-op instructions; the feature keeps even those out of normal builds.
#[cfg(all(feature = "helgrind", target_arch = "x86_64"))]
mod helgrind {
    /// `_VG_USERREQ__HG_USERSO_SEND_PRE` and `_RECV_POST` of valgrind's `helgrind.h`.
    const USERSO_SEND_PRE: usize = 0x4847_0121;
    const USERSO_RECV_POST: usize = 0x4847_0122;

    fn client_request(request: usize, tag: usize) {
        let args: [usize; 6] = [request, tag, 0, 0, 0, 0];
        // SAFETY: valgrind's client-request sequence for amd64: four rotations of rdi by 128 bits
        // in all (rdi ends as it started; declared clobbered anyway) and `xchg rbx, rbx`, a no-op
        // on the CPU that valgrind recognises. It reads `args` (via rax) and may write rdx.
        unsafe {
            std::arch::asm!(
                "rol rdi, 3",
                "rol rdi, 13",
                "rol rdi, 61",
                "rol rdi, 51",
                "xchg rbx, rbx",
                in("rax") args.as_ptr(),
                inout("rdx") 0usize => _,
                inout("rdi") 0usize => _,
                options(nostack, preserves_flags),
            );
        }
    }

    /// Everything this thread did so far happens before whoever [`received`] `tag` next.
    pub(super) fn sending(tag: usize) {
        client_request(USERSO_SEND_PRE, tag);
    }

    /// What the thread that [`sending`] `tag` did happens before what this thread does next.
    pub(super) fn received(tag: usize) {
        client_request(USERSO_RECV_POST, tag);
    }
}

#[cfg(not(all(feature = "helgrind", target_arch = "x86_64")))]
mod helgrind {
    #[inline(always)]
    pub(super) fn sending(_tag: usize) {}
    #[inline(always)]
    pub(super) fn received(_tag: usize) {}
}

impl<T> Drop for RaceOnce<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

impl<T> Default for RaceOnce<T> {
    fn default() -> Self {
        RaceOnce::new()
    }
}

impl<T> From<T> for RaceOnce<T> {
    fn from(value: T) -> Self {
        RaceOnce {
            value: AtomicPtr::new(Box::into_raw(Box::new(value))),
        }
    }
}

impl<T: Clone> Clone for RaceOnce<T> {
    fn clone(&self) -> Self {
        match self.get() {
            Some(v) => RaceOnce::from(v.clone()),
            None => RaceOnce::new(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for RaceOnce<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RaceOnce").field(&self.get()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::RaceOnce;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn first_published_value_wins_and_is_dropped_once() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        struct Counted(usize);
        impl Drop for Counted {
            fn drop(&mut self) {
                DROPS.fetch_add(1, Ordering::Relaxed);
            }
        }
        let cell = RaceOnce::new();
        let shared = &cell;
        let seen: Vec<usize> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| s.spawn(move || shared.get_or_init(|| Counted(i)).0))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let winner = cell.get().unwrap().0;
        assert!(seen.iter().all(|&v| v == winner), "{seen:?} vs {winner}");
        let losers = DROPS.load(Ordering::Relaxed);
        drop(cell);
        assert_eq!(DROPS.load(Ordering::Relaxed), losers + 1);
    }

    #[test]
    fn take_set_and_clone() {
        let mut cell = RaceOnce::from(vec![1, 2]);
        let copy = cell.clone();
        cell.get_mut().unwrap().push(3);
        assert_eq!(cell.take(), Some(vec![1, 2, 3]));
        assert!(cell.get().is_none());
        cell.set(vec![9]);
        cell.set(vec![10]);
        assert_eq!(cell.get(), Some(&vec![9]));
        assert_eq!(copy.get(), Some(&vec![1, 2]));
    }
}
