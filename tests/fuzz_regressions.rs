//! The fuzz targets' checks (`fuzz/src/checks.rs`, included as is) on hand-picked edge inputs and
//! on every input saved under `tests/fuzz_regressions/TARGET/`: what fuzzing once found stays
//! fixed, and `cargo test` runs it without cargo-fuzz or a nightly compiler.

#[path = "../fuzz/src/checks.rs"]
mod checks;

use std::path::Path;

/// Runs `check` on `edges` and on every file saved for `target`; returns how many files.
fn replay(target: &str, check: fn(&[u8]), edges: &[&[u8]]) -> usize {
    for input in edges {
        check(input);
    }
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return 0;
    };
    let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    for file in &files {
        let input = std::fs::read(file).unwrap();
        let replayed = std::panic::catch_unwind(|| check(&input));
        assert!(replayed.is_ok(), "{} fails again", file.display());
    }
    files.len()
}

#[test]
fn tokenize_edges_and_saved_inputs() {
    replay(
        "tokenize",
        checks::tokenize,
        &[
            b"",
            b"\xFF",
            b"a\xFFb",
            b"\xFF\xCD\x85x",              // invalid byte, then a combining mark
            "\u{0345}\u{0301}".as_bytes(), // marks alone
            b"\"unclosed quote\n\nnext \"one\"",
            "«a» „b“ 「c」 『d』 “e”".as_bytes(),
            b"\"\"\"\"",
            b"\xE2\x80\x9Cbroken \xE2\x80 quote\xE2\x80\x9D",
            b"\r\n\r\n\n",
            "ＡＢＣ Straße ǅ ﬁ".as_bytes(),
            "He said \"one two three four\" and “five six seven” «x y»".as_bytes(),
        ],
    );
}

#[test]
fn align_edges_and_saved_inputs() {
    replay(
        "align",
        checks::align,
        &[
            b"",
            b"\x00",
            b"\x05a b c d e f g h\xFFa b c d e f g h",
            b"\x00\"x y z\" q\xFF\"x y z\"",
            b"\x80\x01\x01\x01\x01\x01\x01\xFF\x01\x01\x01\x01\x01\x01",
            b"\x81\x81\x82\x83\x81\x82\x83\x81\x82\x83\xFF\x81\x82\x83\x81\x82\x83",
            b"\x8F\x00\x01\x02\x03\x00\x01\x02\x03\x04\xFF\x00\x01\x02\x03\x04\x00\x01\x02\x03",
        ],
    );
}

#[test]
fn winnow_edges_and_saved_inputs() {
    replay(
        "winnow",
        checks::winnow,
        &[
            b"",
            b"\x00\x00",
            b"\x07\x0F\x01",
            b"\x04\x03\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01",
            b"\x00\x00\x01\x02\x03",
            b"\x02\x05\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F",
        ],
    );
}

#[test]
fn scan_edges_and_saved_inputs() {
    replay(
        "scan",
        checks::scan,
        &[
            b"",
            b"\x00",
            b"\x83\x00\x01\x02\x03\x04\x00\x01\x02\x03\x04\xFF\x00\x01\x02\x03\x04\x00\x01\x02",
            b"\x84\x04\x00\x01\x02\x04\x05\xFF\x04\x00\x01\x02\x04\xFF\x04\x00\x01\x02\x04",
            b"\x18same text here\xFFsame text here\xFFSame, text; here!",
            b"\x00\"a b c\" x\xFFy \"a b c\"\xFF\"a b c\" z",
        ],
    );
}

#[test]
fn index_edges_and_saved_inputs() {
    replay(
        "index",
        checks::index,
        &[
            b"",
            b"\x00",
            b"\x00DEDUPIDX",
            b"\x01\x00\x00",             // the valid index, cut to nothing
            b"\x01\x00\x10",             // cut to 16 bytes: the header alone
            b"\x02\xFF\xFF\x00\x00\x80", // the valid index, first byte flipped
            b"\x02\xFF\xFF\x00\x20\xFF\x00\x40\x01\x00\x60\x80",
        ],
    );
}
