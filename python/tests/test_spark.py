"""dedup-spark in local mode: the same records as `dedup scan --no-overlap`, exactly."""

import glob
import json
import os
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import dedup
from dedup import spark as job


def spark_records(output):
    """The job's JSON Lines parts, read in name order (= the scan's record order)."""
    parts = sorted(glob.glob(os.path.join(output, "jsonl", "part-*.jsonl")))
    assert parts, f"no parts in {output}"
    return [json.loads(line) for part in parts for line in open(part, encoding="utf-8")]


def without_time(records):
    for record in records:
        record.pop("elapsed_ms", None)
    return records


def run_both(spark, inputs, output, **options):
    """The job's records and the scan's, parsed; their lines are checked to be the same bytes
    (the summary's elapsed time aside)."""
    options = {"no_overlap": True, **options}
    summary = job.run(spark, [str(p) for p in inputs], str(output), options, partitions=4)
    scan_text = dedup._native.scan_jsonl([str(p) for p in inputs], options)
    job_lines = [line for part in sorted(glob.glob(os.path.join(output, "jsonl", "part-*.jsonl")))
                 for line in open(part, encoding="utf-8").read().splitlines()]
    scan_lines = scan_text.splitlines()
    assert job_lines[:-1] == scan_lines[:-1]
    expected = [json.loads(line) for line in scan_lines]
    return without_time(spark_records(output)), without_time(expected), summary


def test_fixtures_give_the_scans_records(spark, repo, tmp_path, monkeypatch):
    monkeypatch.chdir(repo)  # paths as given, relative, as a user types them
    found, expected, summary = run_both(spark, ["seeds", "fixtures"], tmp_path / "out")
    assert found == expected
    kinds = {r.get("kind") for r in found if r["type"] == "pair"}
    assert kinds == {"exact_duplicate", "near_duplicate"}
    assert summary["skipped"] == 6 and summary["clusters"] > 5
    assert_keep_drop_matches(tmp_path / "out", found, summary)


def test_a_generated_corpus_gives_the_scans_records(spark, synth_corpus, tmp_path):
    found, expected, summary = run_both(spark, [synth_corpus], tmp_path / "out", threshold=0.7)
    assert summary["docs"] == 10_000
    assert summary["near_duplicate_pairs"] >= 100, summary
    assert summary["clusters"] >= 100, summary
    assert found == expected
    assert_keep_drop_matches(tmp_path / "out", found, summary)


def assert_keep_drop_matches(output, records, summary):
    """Keep/drop: every document once; the dropped ones are the clusters' other members."""
    table = pq.read_table(output / "keep_drop").to_pylist()
    assert len(table) == summary["docs"]
    dropped = {r["name"] for r in table if not r["keep"]}
    clusters = [r for r in records if r["type"] == "cluster"]
    assert dropped == {m for c in clusters for m in c["members"] if m != c["keep"]}
    assert len(dropped) == sum(len(c["members"]) - 1 for c in clusters)


def test_bad_input_is_warned_about_and_the_job_goes_on(spark, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "a long document with words that repeat across the whole of it " * 4000
    (corpus / "huge.txt").write_text(text)
    (corpus / "huge_copy.txt").write_text(text)
    (corpus / "empty.txt").write_text("")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02 not text")
    (corpus / "lines.jsonl").write_text(
        '{"text": "one line of text to keep in the corpus"}\n'
        "{not json\n"
        '{"body": "no text field"}\n'
    )
    found, expected, summary = run_both(spark, [corpus], tmp_path / "out")
    assert found == expected
    messages = sorted(r["message"] for r in found if r["type"] == "warning")
    assert messages == [
        "skipped: binary file",
        'skipped: no field "text"',
        "skipped: not JSON (key must be a string at column 2)",
    ]
    assert summary["exact_duplicates"] == 1 and summary["empty"] == 1
    # More partitions than documents: empty partitions are nothing special.
    out = tmp_path / "many"
    job.run(spark, [str(corpus)], str(out), {"no_overlap": True}, partitions=32)
    assert without_time(spark_records(out)) == found


def test_parquet_rows_are_documents_and_rows_without_text_are_warnings(spark, tmp_path):
    words = "the mayor said the bridge will be rebuilt before the winter floods arrive again"
    table = pa.table({
        "id": ["first", "second", "third", "fourth"],
        "content": [words, words + " soon", None, "an unrelated row about the chess club"],
    })
    path = tmp_path / "docs.parquet"
    pq.write_table(table, path)
    options = {"no_overlap": True, "text_field": "content", "id_field": "id"}
    summary = job.run(spark, [str(path)], str(tmp_path / "out"), options, partitions=4)
    records = spark_records(tmp_path / "out")
    pairs = [(r["a"], r["b"], r["kind"]) for r in records if r["type"] == "pair"]
    assert pairs == [("first", "second", "near_duplicate")]
    warnings = [(r["path"], r["message"]) for r in records if r["type"] == "warning"]
    assert warnings == [("third", 'skipped: no field "content"')]
    assert summary["docs"] == 3


def test_the_command_refuses_a_used_output_folder_and_bad_options(tmp_path, repo):
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine")
    command = [sys.executable, "-m", "dedup.spark", str(repo / "seeds")]
    done = subprocess.run(command + ["-o", str(used)], capture_output=True, text=True)
    assert done.returncode == 2
    assert "exists and is not empty" in done.stderr
    assert (used / "keep.txt").read_text() == "mine"
    done = subprocess.run(command + ["-o", str(tmp_path / "new"), "--threshold", "1.5"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "dedup-spark: --threshold 1.5 must be in (0, 1]" in done.stderr
    assert not (tmp_path / "new").exists()


def test_connected_components_settle_on_chains_and_stars(spark):
    """Large-star/small-star against union-find on a graph that needs several rounds: a long
    chain with its nodes shuffled, a star, and separate pairs."""
    import random

    rng = random.Random(7)
    chain = list(range(100, 160))
    rng.shuffle(chain)
    edges = list(zip(chain, chain[1:]))
    edges += [(500, leaf) for leaf in range(501, 540)]
    edges += [(1000 + 2 * i, 1001 + 2 * i) for i in range(20)]
    rng.shuffle(edges)
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    expected = {}
    for node in parent:
        expected.setdefault(find(node), set()).add(node)
    expected = {min(nodes): nodes for nodes in expected.values()}

    frame = spark.createDataFrame(edges, "a long, b long")
    rounds = []
    found = {}
    for row in job.connected_components(frame, rounds=rounds).collect():
        found.setdefault(row["component"], set()).add(row["key"])
    assert found == expected
    assert rounds and rounds[0] >= 3, rounds


def test_a_bucket_of_more_than_32_documents_makes_the_scans_pairs(spark, tmp_path):
    """40 edited copies of one text share LSH buckets of 40: the scan pairs a large bucket's
    first member with every other and each member with the next, and so must the job."""
    corpus = tmp_path / "copies"
    corpus.mkdir()
    words = [f"w{i}" for i in range(400)]
    for copy in range(40):
        edited = list(words)
        edited[copy * 7 % 400] = f"edit{copy}"
        (corpus / f"copy{copy:02}.txt").write_text(" ".join(edited))
    found, expected, summary = run_both(spark, [corpus], tmp_path / "out")
    assert found == expected
    assert summary["clusters"] == 1 and 39 <= summary["near_duplicate_pairs"] < 40 * 39 // 2


def test_a_file_changed_between_the_two_reads_fails_the_job(spark, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("the first text of this small corpus, long enough to sketch")
    inputs = job.Inputs(spark, [str(corpus)], {"no_overlap": True})
    sketches, _ = inputs.sketches()
    hashes = sketches.select("key", "content_hash").cache()
    assert hashes.count() == 1
    (corpus / "a.txt").write_text("other words entirely, written after the first read")
    with pytest.raises(Exception, match="file changed during the job"):
        inputs.texts(hashes).collect()
