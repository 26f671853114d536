//! The `dedup` binary: parse arguments, call the library, print. See `cli/`.
//!
//! The library has no unsafe code (`#![forbid(unsafe_code)]` in `lib.rs`); the binary has one
//! call, to configure its allocator.

#![deny(unsafe_code)]

mod cli;

/// mimalloc: a scan makes hundreds of thousands of small, long-lived allocations (a sketch a
/// document) and frees them all at the end; glibc's allocator faulted in ten times the pages.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    keep_freed_memory();
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
}
