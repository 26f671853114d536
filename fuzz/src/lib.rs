//! Support for the fuzz targets: the invariants each target checks live in [`checks`], a plain
//! module that `tests/fuzz_regressions.rs` at the crate root includes too, so every crashing
//! input saved under `tests/fuzz_regressions/TARGET/` is replayed by `cargo test`.

pub mod checks;
