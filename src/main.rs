//! The `dedup` binary: parse arguments, call the library, print. See `cli/`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
