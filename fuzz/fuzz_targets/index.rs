#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dedup_fuzz::checks::index(data));
