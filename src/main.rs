//! The `dedup` binary: parse arguments, call the library, print. See `cli/`.

#![forbid(unsafe_code)]

mod cli;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
