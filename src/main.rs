//! The `dedup` binary: parse arguments, call the library, print. See `cli/`.
//!
//! The library has no unsafe code (`#![forbid(unsafe_code)]` in `lib.rs`); the binary has two
//! calls, to configure its allocator and its memory pages.

#![deny(unsafe_code)]

mod cli;

/// mimalloc: a scan makes hundreds of thousands of small, long-lived allocations (a sketch a
/// document) and frees them all at the end; glibc's allocator faulted in ten times the pages.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    keep_freed_memory();
    no_transparent_huge_pages();
    cli::main()
}

/// `mi_option_purge_delay` in the mimalloc that `libmimalloc-sys` builds (its Rust bindings do
/// not name it; the test below checks the number against its documented default).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tells mimalloc to keep the memory it frees instead of returning it to the system a second
/// later ("purging"). A scan allocates in waves (a chunk of analyses, then the next), and memory
/// returned in between is faulted in and zeroed again: on the 100k synth corpus, 47,105 page
/// faults against 822 (`--jobs 1`), and 13.08 s against 12.53 s at `--jobs 2` (medians of 3).
/// The peak is 5-7% higher.
#[allow(unsafe_code)]
fn keep_freed_memory() {
    // SAFETY: mi_option_set stores an integer in mimalloc's option table (atomically); it takes
    // no pointer, and nothing else depends on the value.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

/// Asks Linux for no transparent huge pages in this process: mimalloc asks for them for its
/// arenas, and a huge page is zeroed whole (2 MiB) at its first touch, used or not. On the
/// benchmark host (BENCHMARKS.md, tenth session), with mimalloc's own switch for them
/// (`MIMALLOC_ALLOW_THP`) on and off, alternated, the 100k real-text corpus took `--no-overlap`
/// (five rounds): median 2.13 -> 1.97 s, peak 146-152 -> 122-124 MB; the default scan (three
/// rounds): median 16.22 -> 15.20 s, peak 970-972 -> 910-955 MB (more user time, for the smaller
/// pages, and much less system time). This call, in the built binary against the one before it
/// (`--no-overlap`, four rounds): 2.16-2.53 -> 1.92-2.32 s, 144-152 -> 126-127 MB. Elsewhere a
/// no-op.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[allow(unsafe_code)]
fn no_transparent_huge_pages() {
    // SAFETY: prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) sets a flag of this process; it takes no
    // pointer. On a kernel without the option it fails (EINVAL), which changes nothing.
    unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn no_transparent_huge_pages() {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option number is the purge delay's: its default is 1000 ms, and the value set reads
    /// back.
    #[test]
    #[allow(unsafe_code)]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: as in keep_freed_memory; reading an option takes no pointer either.
        let default = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(default, 1000, "not the purge delay, or its default changed");
        keep_freed_memory();
        let set = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(set, -1);
    }

    /// After the call, the process has transparent huge pages off.
    #[test]
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[allow(unsafe_code)]
    fn transparent_huge_pages_are_off_after_the_call() {
        no_transparent_huge_pages();
        // SAFETY: as in no_transparent_huge_pages; reading the flag takes no pointer either.
        let off = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
        assert_eq!(off, 1);
    }
}
