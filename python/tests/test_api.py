"""The Python API: the scan's records, the batch functions, errors as exceptions."""

import json
import subprocess

import pyarrow as pa
import pytest

import dedup

SENTENCE = (
    "the council agreed to release the emergency funds for the flood defences along the river "
    "after a long night of debate in the town hall"
)


def test_scan_gives_the_records_of_the_command_line(repo):
    records = dedup.scan(repo / "seeds")
    cli = subprocess.run(
        ["cargo", "run", "--quiet", "--bin", "dedup", "--", "scan", "seeds", "--format", "jsonl"],
        cwd=repo, capture_output=True, text=True,
    )
    expected = [json.loads(line) for line in cli.stdout.splitlines()]
    for record in records + expected:
        record.pop("elapsed_ms", None)
    # Paths are as given: the CLI was given "seeds", the API an absolute path.
    root = str(repo) + "/"
    for record in records:
        if "path" in record:
            record["path"] = record["path"].replace(root, "")
    assert records == expected
    quotes = [r["text"] for r in records if r["type"] == "quote"]
    assert "Cannot allow this miscarriage of justice" in quotes


def test_scan_options_are_the_command_lines(tmp_path):
    (tmp_path / "a.txt").write_text(SENTENCE)
    (tmp_path / "b.txt").write_text(SENTENCE + " today")
    pairs = [r for r in dedup.scan(tmp_path, threshold=0.9, no_overlap=True) if r["type"] == "pair"]
    assert [(p["kind"], p["jaccard"]) for p in pairs] == [("near_duplicate", 0.954545)]
    # Not a near-duplicate at 1.0, but the shared sentence makes it an overlap pair.
    pairs = [r for r in dedup.scan(tmp_path, threshold=1.0) if r["type"] == "pair"]
    assert [p["kind"] for p in pairs] == ["overlap"]


def test_bad_options_raise_with_the_command_lines_message(tmp_path):
    with pytest.raises(dedup.DedupError, match=r"--threshold 2 must be in \(0, 1\]"):
        dedup.scan(tmp_path, threshold=2)
    with pytest.raises(dedup.DedupError, match="--bands 7 must be between 1 and --perms 128"):
        dedup.sketch_batch(pa.array(["x"]), bands=7)
    with pytest.raises(TypeError, match="unknown option thresh"):
        dedup.scan(tmp_path, thresh=0.5)
    with pytest.raises(TypeError, match="option ngram: wrong type"):
        dedup.scan(tmp_path, ngram="five")


def test_sketch_batch_reads_every_string_layout_in_place():
    texts = ["", SENTENCE, SENTENCE, SENTENCE.upper(), "other words entirely here and there"]
    plain = dedup.sketch_batch(pa.array(texts))
    assert plain.schema.names == ["words", "content_hash", "signature", "band_keys"]
    assert plain.column("words").to_pylist() == [0, 25, 25, 25, 6]
    hashes = plain.column("content_hash").to_pylist()
    # Exact duplicates by content hash, case-folded as the scan normalises words.
    assert hashes[1] == hashes[2] == hashes[3] != hashes[4]
    assert len(plain.column("signature")[1]) == 128
    assert len(plain.column("band_keys")[1]) == dedup.lsh_layout()[0] == 21
    for layout in (pa.large_string(), pa.binary(), pa.large_binary()):
        assert dedup.sketch_batch(pa.array(texts, layout)).equals(plain)
    # A slice, and a chunked array, give the rows they hold.
    sliced = dedup.sketch_batch(pa.array(texts)[1:4])
    assert sliced.equals(plain.slice(1, 3))
    chunked = pa.chunked_array([pa.array(texts[:2]), pa.array(texts[2:])])
    assert dedup.sketch_batch(chunked).equals(plain)
    assert dedup.sketch_batch(pa.array([], pa.string())).num_rows == 0


def test_sketch_batch_refuses_nulls_and_other_types():
    with pytest.raises(dedup.DedupError, match="1 of 2 texts are null"):
        dedup.sketch_batch(pa.array(["a", None]))
    with pytest.raises(TypeError, match="string or binary"):
        dedup.sketch_batch(pa.array([1, 2]))


def test_verify_batch_is_the_exact_jaccard():
    a = pa.array([SENTENCE, SENTENCE, "short", "short"])
    b = pa.array([SENTENCE + " today", "nothing in common with the other text at all", "short",
                  "brief"])
    checked = dedup.verify_batch(a, b).to_pylist()
    # 21 shingles against 22, 21 shared.
    assert checked[0] == {
        "near": True, "jaccard": 0.954545, "estimate": checked[0]["estimate"],
        "containment_a": 1.0, "containment_b": 0.954545,
    }
    assert 0.8 <= checked[0]["estimate"] <= 1.0
    assert checked[1]["near"] is False and checked[1]["jaccard"] == 0.0
    # Fewer words than a shingle: the whole text is one shingle.
    assert checked[2]["near"] is True and checked[3]["near"] is False
    with pytest.raises(ValueError):
        dedup.verify_batch(a, b[:3])


def test_bucket_pairs_follow_the_scans_rule():
    assert dedup.bucket_pairs([3, 5, 9]) == [(3, 5), (3, 9), (5, 9)]
    large = list(range(40))
    pairs = dedup.bucket_pairs(large)
    assert len(pairs) == 39 + 38
    assert (0, 39) in pairs and (5, 6) in pairs and (5, 7) not in pairs
    with pytest.raises(dedup.DedupError, match="sorted and distinct"):
        dedup.bucket_pairs([3, 2])


def test_read_file_names_records_and_reports_bad_lines(repo):
    names, texts, problems = dedup.read_file(repo / "fixtures" / "inputs" / "news.jsonl")
    # Ten lines: a blank one, two bad ones, seven documents.
    assert len(names) == len(texts) == 7
    assert names[0].endswith("news.jsonl:1")
    assert texts.type == pa.large_binary()
    assert [p["message"] for p in problems] == [
        'skipped: no field "text"',
        "skipped: not JSON (EOF while parsing a string at column 67)",
    ]
    files, found = dedup.discover(repo / "seeds")
    assert len(files) == 5 and found == []


def test_pair_json_is_the_scans_pair_record():
    record = json.loads(dedup.pair_json("a.txt", "b.txt", "near_duplicate", [0.9, 0.85, 1, 0.9]))
    assert record == {
        "type": "pair", "a": "a.txt", "b": "b.txt", "kind": "near_duplicate", "jaccard": 0.9,
        "estimate": 0.85, "containment_a": 1.0, "containment_b": 0.9, "passages": [],
    }
    with pytest.raises(dedup.DedupError, match="no pair kind overlap"):
        dedup.pair_json("a", "b", "overlap")
