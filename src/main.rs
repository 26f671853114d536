//! The `dedup` binary: parse arguments, call the library, print. See `cli/`.

#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
