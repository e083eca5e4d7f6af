//! The allocator of the binaries that plan: `depot` and the entity creators.
//!
//! mimalloc, not glibc's malloc: hashing and planning a large package make millions of small
//! allocations, where glibc's spent half the time (depot-bench's `stages` example).
//!
//! By default mimalloc hands memory back to the kernel some time after it is freed ("purge").
//! Planning frees large parts (the parsed JSON tree, the package once resolved) and allocates as
//! much again right after, so every purged page faulted back in and was zeroed by the kernel a
//! second time: profiling `depot plan` on 10,000 objects put about half of its time in the
//! kernel's page zeroing, and its wall time varied by 2x from run to run with the load of the
//! machine. A planning process is short-lived (a command, a Lambda invocation) and its peak is
//! reached anyway, so [`keep_freed_memory`] turns purging off.

pub use mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h's `mi_option_e` (the 16th option in both its v2 and
/// v3 headers): how long freed memory waits before it goes back to the kernel; -1 is never.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keep the memory mimalloc frees for this process's own reuse. Call first thing in `main`.
pub fn keep_freed_memory() {
    // SAFETY: mi_option_set stores a value in mimalloc's option table (atomically); every value
    // is valid for this option and no pointer is involved.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1)
    }
}

/// The purge delay mimalloc uses now, in milliseconds (-1: never).
pub fn purge_delay_ms() -> std::ffi::c_long {
    // SAFETY: mi_option_get reads mimalloc's option table; no pointer is involved.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test: options are process-wide, so the before and after must be read in order.
    #[test]
    fn keep_freed_memory_turns_purging_off_and_the_option_number_is_the_purge_delay() {
        // Its default in mimalloc v3's options.c (1,000 ms) read back first: a sign the option
        // number is right.
        assert_eq!(purge_delay_ms(), 1000);
        keep_freed_memory();
        assert_eq!(purge_delay_ms(), -1);
    }
}
