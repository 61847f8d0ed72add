//! A byte count of the process's live heap, kept by a thin global allocator over the system
//! one, so the sandbox can bound a script's memory with one atomic load per operation.
//! (Rhai's own array, map and string size limits re-measure a whole array after every
//! `push`, which makes a runaway `loop { a.push(1) }` quadratic: minutes before any limit
//! is reached. netpry sets none of them and checks this count instead.)

// A global allocator cannot be written without `unsafe`; every call only forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

static LIVE: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting the bytes it has handed out and not yet taken back.
pub struct Counting;

// SAFETY: every call is forwarded unchanged to `System`; only a counter is updated.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(new_size, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes currently allocated on the heap by the whole process.
pub fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

thread_local! {
    /// The heap ceiling of the evaluation running on this thread (none outside evaluations).
    static CEILING: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

/// Sets the heap ceiling of the evaluation running on this thread.
pub fn set_ceiling(ceiling: usize) {
    CEILING.with(|c| c.set(ceiling));
}

/// The heap ceiling of the evaluation running on this thread.
pub fn ceiling() -> usize {
    CEILING.with(std::cell::Cell::get)
}

/// Whether `bytes` more would keep the heap under this thread's ceiling: the check made before
/// one large allocation (a join's result, a fill, a replacement), which the check between
/// operations would see only once the memory is taken.
pub fn fits(bytes: usize) -> bool {
    live().saturating_add(bytes) <= ceiling()
}

#[cfg(test)]
mod tests {
    #[test]
    fn fits_compares_with_the_thread_ceiling() {
        super::set_ceiling(super::live().saturating_add(1 << 30));
        assert!(super::fits(1 << 20));
        assert!(!super::fits(4 << 30));
        super::set_ceiling(usize::MAX);
    }

    #[test]
    fn live_follows_allocations() {
        let before = super::live();
        let v = vec![0u8; 64 << 20];
        // Other test threads allocate too: only the lower bound is certain.
        assert!(
            super::live() >= 64 << 20,
            "{} < 64 MiB (before: {before})",
            super::live()
        );
        drop(v);
    }
}
