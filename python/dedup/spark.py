"""dedup-spark: the near-duplicate scan as a PySpark job, with the answers of ``dedup scan``.

Stages, each a Spark operation over the crate's batch functions (no algorithm is written here):

1. read: the driver lists the files as the scan's walk does (:func:`dedup.discover`); tasks read
   them (:func:`dedup.read_file`: text files, JSON Lines, .gz/.zst). Parquet inputs are read by
   Spark (``--text-field``, ``--id-field``). Every document gets a key that sorts as the scan's
   order (file, then line or row).
2. sketch: ``mapInArrow`` with :func:`dedup.sketch_batch` (signature, band keys, content hash).
3. exact duplicates: group by content hash; the first document of each group represents it.
4. candidates: band keys exploded, grouped by (band, key), pairs by the scan's bucket rule
   (:func:`dedup.bucket_pairs`), made distinct.
5. verification: both texts joined back, ``mapInArrow`` with :func:`dedup.verify_batch`.
6. clusters: connected components by the large-star/small-star iteration, in Spark (nothing is
   collected to the driver but counts); the member to keep is the one with the most words, then
   the first.
7. output: JSON Lines part files with the records of ``dedup scan --no-overlap --format jsonl``
   (pairs, clusters, warnings and errors, summary; the parts in name order are the scan's
   output), and a Parquet keep/drop list of every document.

Shared-text groups and quotes (the overlap half of ``dedup scan``) are not run on Spark yet: the
job's output is that of ``dedup scan --no-overlap``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import pyarrow as pa
import pyarrow.compute  # noqa: F401 (pa.compute)

import dedup

#: Bits of a document key that number the document within its file (the rest number the file).
_ORDINAL_BITS = 32

#: Documents per Arrow batch when files are read (a JSON Lines file holds many)...
_READ_BATCH_DOCS = 4096
#: ... and bytes of text: Spark's binary column holds at most 2 GiB per batch. (A JSON Lines
#: file is still read whole by one task: shards of a few hundred MB suit the job best.)
_READ_BATCH_BYTES = 256 << 20

#: The output's lines with their sort keys.
_RECORD_SCHEMA = "section int, k1 long, k2 long, s string, line string"

_SECTION_PAIR, _SECTION_CLUSTER, _SECTION_DIAGNOSTIC, _SECTION_SUMMARY = range(4)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="dedup-spark",
        description="Find near-duplicate and exact-duplicate documents with Spark; the same "
        "records as `dedup scan --no-overlap --format jsonl`.",
    )
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="folders or files of text, JSON Lines (.gz, .zst), or Parquet (.parquet)",
    )
    parser.add_argument("-o", "--output", required=True, help="a new folder for the results")
    parser.add_argument("--master", help="the Spark master (default: spark-submit's)")
    parser.add_argument(
        "--driver-memory",
        default="4g",
        help="the driver's heap when the job starts Spark itself (local mode runs the executors "
        "in the driver; Spark's default of 1g ran out at 300,000 documents) [default: 4g]",
    )
    parser.add_argument("-t", "--threshold", type=float, default=0.8)
    parser.add_argument("-n", "--ngram", type=int, default=5)
    parser.add_argument("-k", "--perms", type=int, default=128)
    parser.add_argument("-b", "--bands", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--text-field", default="text")
    parser.add_argument("--id-field")
    parser.add_argument("--input-format", choices=["auto", "text", "jsonl"], default="auto")
    parser.add_argument("--max-bytes", type=int)
    parser.add_argument("--hidden", action="store_true")
    parser.add_argument("--no-ignore", action="store_true")
    parser.add_argument("--follow", action="store_true")
    parser.add_argument("-g", "--glob", action="append", default=[])
    parser.add_argument(
        "--partitions", type=int, help="shuffle partitions (default: 4 per core, at least 8)"
    )
    parser.add_argument(
        "--timings",
        action="store_true",
        help="compute each stage on its own and print its wall time on stderr",
    )
    parser.add_argument(
        "--no-overlap",
        action="store_true",
        help="accepted for symmetry with `dedup scan`: the job only finds duplicates",
    )
    return parser.parse_args(argv)


def options_of(args: argparse.Namespace) -> Dict[str, Any]:
    """The library options the arguments give (named as `dedup scan`'s)."""
    options = {
        "threshold": args.threshold,
        "ngram": args.ngram,
        "perms": args.perms,
        "bands": args.bands,
        "seed": args.seed,
        "text_field": args.text_field,
        "id_field": args.id_field,
        "input_format": args.input_format,
        "max_bytes": args.max_bytes,
        "hidden": args.hidden,
        "no_ignore": args.no_ignore,
        "follow": args.follow,
        "glob": args.glob,
        "no_overlap": True,
    }
    return {k: v for k, v in options.items() if v is not None}


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    options = options_of(args)
    try:
        dedup.lsh_layout(**options)  # every option checked before Spark starts
    except (dedup.DedupError, TypeError) as err:
        print(f"dedup-spark: {err}", file=sys.stderr)
        return 2
    if os.path.exists(args.output) and os.listdir(args.output):
        print(f"dedup-spark: {args.output}: exists and is not empty; name a new folder",
              file=sys.stderr)
        return 2
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("dedup").config(
        "spark.driver.memory", args.driver_memory
    )
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    timings: Optional[List[Tuple[str, float]]] = [] if args.timings else None
    try:
        summary = run(spark, args.inputs, args.output, options, args.partitions, timings)
    except Exception as err:  # a failed job is exit status 2, never 1 ("found")
        print(f"dedup-spark: {err}", file=sys.stderr)
        return 2
    finally:
        spark.stop()
    for stage, seconds in timings or []:
        print(f"{stage:>20} {seconds:8.2f} s", file=sys.stderr)
    found = summary["pairs"] > 0
    return 2 if summary["errors"] else (1 if found else 0)


def run(
    spark: Any,
    inputs: Sequence[str],
    output: str,
    options: Dict[str, Any],
    partitions: Optional[int] = None,
    timings: Optional[List[Tuple[str, float]]] = None,
) -> Dict[str, Any]:
    """Runs the job on an existing session; writes ``output`` and returns the summary record.
    With ``timings`` (a list), each stage is computed on its own and its wall time appended."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    started = time.monotonic()
    last = [started]

    def lap(stage: str, frame: Any = None) -> None:
        if timings is None:
            return
        if frame is not None:
            frame.count()
        now = time.monotonic()
        timings.append((stage, now - last[0]))
        last[0] = now

    cores = spark.sparkContext.defaultParallelism
    partitions = partitions or max(8, 4 * cores)
    spark.conf.set("spark.sql.shuffle.partitions", str(partitions))

    corpus = Inputs(spark, inputs, options)
    sketches, diagnostics = corpus.sketches()
    sketches = sketches.persist(StorageLevel.MEMORY_AND_DISK)
    diagnostics = diagnostics.persist(StorageLevel.MEMORY_AND_DISK)
    lap("read and sketch", sketches)
    groups = (
        sketches.filter(F.col("words") > 0)
        .groupBy("content_hash")
        .agg(
            F.min("key").alias("rep"),
            F.expr("min_by(band_keys, key)").alias("band_keys"),
            F.collect_list("key").alias("members"),
        )
    ).persist(StorageLevel.MEMORY_AND_DISK)
    lap("exact duplicates", groups)
    exact = groups.select("rep", F.explode("members").alias("b")).filter(F.col("b") != F.col("rep"))
    exact = exact.select(F.col("rep").alias("a"), "b")

    candidates = candidate_pairs(spark, groups).persist(StorageLevel.MEMORY_AND_DISK)
    lap("LSH candidates", candidates)
    near = verify(corpus, candidates, sketches, options).persist(StorageLevel.MEMORY_AND_DISK)
    lap("verify", near)

    edges = exact.select("a", "b").union(near.select("a", "b"))
    rounds: List[int] = []
    components = connected_components(edges, rounds=rounds).persist(StorageLevel.MEMORY_AND_DISK)
    lap(f"clusters ({rounds[0] if rounds else 0} rounds)", components)
    names = sketches.select("key", "name")
    clusters = cluster_records(components, sketches, names)
    pair_lines = pair_records(exact, near, names)
    diagnostic_lines = diagnostic_records(diagnostics)

    counts = sketches.agg(
        F.count("*").alias("docs"),
        F.coalesce(F.sum("bytes"), F.lit(0)).alias("bytes"),
        F.coalesce(F.sum((F.col("words") == 0).cast("long")), F.lit(0)).alias("empty"),
    ).first()
    exact_count = exact.count()
    near_count = near.count()
    warnings = diagnostics.filter(F.col("type") == "warning").count()
    errors = diagnostics.filter(F.col("type") == "error").count()
    summary = {
        "type": "summary",
        "docs": counts["docs"],
        "bytes": counts["bytes"],
        "empty": counts["empty"],
        "pairs": exact_count + near_count,
        "exact_duplicates": exact_count,
        "near_duplicate_pairs": near_count,
        "overlap_pairs": 0,
        "clusters": clusters.count(),
        "passages": 0,
        "quotes": 0,
        "candidates": candidates.count(),
        "boilerplate_passages": 0,
        "boilerplate_docs": 0,
        "skipped": warnings,
        "errors": errors,
        "threshold": options.get("threshold", 0.8),
        "elapsed_ms": int((time.monotonic() - started) * 1000),
    }
    summary_line = spark.createDataFrame(
        [(_SECTION_SUMMARY, 0, 0, "", dedup._native.summary_json(json.dumps(summary)))],
        _RECORD_SCHEMA,
    )
    records = pair_lines.unionByName(clusters).unionByName(diagnostic_lines)
    records = records.unionByName(summary_line)
    write_jsonl(spark, records, os.path.join(output, "jsonl"))
    keep_drop(sketches, names, components).write.parquet(os.path.join(output, "keep_drop"))
    lap("counts and output")
    for frame in (sketches, diagnostics, groups, candidates, near, components):
        frame.unpersist()
    return summary


_SKETCH_SCHEMA = (
    "key long, name string, words long, bytes long, content_hash binary, "
    "band_keys array<long>, type string, message string"
)
_SKETCH_COLUMNS = [
    "key", "name", "words", "bytes", "content_hash", "band_keys", "type", "message"
]


class Inputs:
    """What the job reads: the files the scan's walk lists (text and JSON Lines, read by the
    crate in tasks), and Parquet inputs (read by Spark).

    Texts are not kept in Spark: the first pass keeps each document's sketch, and
    :meth:`texts` reads again only the documents that verification needs, as the scan does.
    """

    def __init__(self, spark: Any, inputs: Sequence[str], options: Dict[str, Any]) -> None:
        self.spark = spark
        self.options = options
        self.parquet = sorted(p for p in inputs if p.rstrip("/").endswith(".parquet"))
        others = [p for p in inputs if p not in self.parquet]
        self.files: List[str] = []
        self.walked: List[Dict[str, str]] = []
        if others:
            self.files, self.walked = dedup.discover(others, **options)
        self._parquet_frames: List[Any] = []
        next_number = len(self.files)
        for path in self.parquet:
            frame, parts = self._parquet_rows(path, next_number)
            self._parquet_frames.append(frame)
            next_number += parts

    def sketches(self) -> Tuple[Any, Any]:
        """``(sketches, diagnostics)``: (key, name, words, bytes, content_hash, band_keys) of
        every document, and (type, path, message) of every problem met."""
        from pyspark.sql import functions as F

        from pyspark import StorageLevel

        rows = self._file_sketches()
        for frame in self._parquet_frames:
            rows = rows.unionByName(_parquet_sketches(frame, self.options))
        # Cached: sketches and problems come from one reading.
        rows = rows.persist(StorageLevel.MEMORY_AND_DISK)
        sketches = rows.filter(F.col("type").isNull()).drop("type", "message")
        diagnostics = rows.filter(F.col("type").isNotNull()).select(
            "type", F.col("name").alias("path"), "message"
        )
        walked = [(d["type"], d["path"], d["message"]) for d in self.walked]
        diagnostics = diagnostics.unionByName(
            self.spark.createDataFrame(walked, "type string, path string, message string")
        ).distinct()
        return sketches, diagnostics

    def texts(self, wanted: Any) -> Any:
        """(key, text) of the documents ``wanted`` (a frame of ``key`` and ``content_hash``)
        names, read again: a file once for all its wanted documents. A document whose text
        changed since it was sketched fails the job with an error naming its file, as the scan
        reports "file changed during the scan", rather than verifying other text."""
        from pyspark.sql import functions as F

        files, options = self.files, self.options
        in_files = wanted.filter(F.col("key") < F.lit(len(files) << _ORDINAL_BITS))
        by_file = in_files.groupBy(F.shiftright("key", _ORDINAL_BITS).alias("file")).agg(
            F.sort_array(F.collect_list(F.struct("key", "content_hash"))).alias("wanted")
        )

        def read_wanted(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            out_keys: List[int] = []
            out_texts: List[bytes] = []
            size = 0
            for batch in batches:
                for file, file_wanted in zip(batch.column("file").to_pylist(),
                                             batch.column("wanted").to_pylist()):
                    _names, texts, _problems = dedup._native.read_file(files[file], options)
                    base = file << _ORDINAL_BITS
                    found = [texts[w["key"] - base] if w["key"] - base < len(texts) else b""
                             for w in file_wanted]
                    hashes = dedup.sketch_batch(pa.array(found, pa.binary()), **options)
                    for w, text, now in zip(file_wanted, found,
                                            hashes.column("content_hash").to_pylist()):
                        if now != w["content_hash"]:
                            raise RuntimeError(f"{files[file]}: file changed during the job")
                        out_keys.append(w["key"])
                        out_texts.append(text)
                        size += len(text)
                    if len(out_keys) >= _READ_BATCH_DOCS or size >= _READ_BATCH_BYTES:
                        yield _text_batch(out_keys, out_texts)
                        out_keys, out_texts, size = [], [], 0
            if out_keys:
                yield _text_batch(out_keys, out_texts)

        texts = by_file.mapInArrow(read_wanted, "key long, text binary")
        for frame in self._parquet_frames:
            rows = frame.filter(F.col("text").isNotNull()).select("key", "text")
            texts = texts.unionByName(rows.join(wanted.select("key"), "key", "left_semi"))
        return texts

    def _file_sketches(self) -> Any:
        files, options = self.files, self.options

        def read(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            # Documents of many files are sketched together, _READ_BATCH_DOCS at a time: a
            # batch per small file made reading 100,000 files cost more than sketching them.
            keys: List[int] = []
            names: List[str] = []
            texts: List[bytes] = []
            size = 0
            for batch in batches:
                for index in batch.column("id").to_pylist():
                    found, found_texts, problems = dedup._native.read_file(files[index], options)
                    base = index << _ORDINAL_BITS
                    keys.extend(range(base, base + len(found)))
                    names.extend(found)
                    texts.extend(found_texts)
                    size += sum(len(t) for t in found_texts)
                    if problems:
                        yield _diagnostic_batch(problems)
                    if len(keys) >= _READ_BATCH_DOCS or size >= _READ_BATCH_BYTES:
                        yield _sketch_batch(keys, names, pa.array(texts, pa.binary()), options)
                        keys, names, texts, size = [], [], [], 0
            if keys:
                yield _sketch_batch(keys, names, pa.array(texts, pa.binary()), options)

        slices = max(1, min(len(files), self.spark.sparkContext.defaultParallelism * 4))
        return self.spark.range(len(files), numPartitions=slices).mapInArrow(read, _SKETCH_SCHEMA)

    def _parquet_rows(self, path: str, first: int) -> Tuple[Any, int]:
        """(key, name, text) of one Parquet input (a file or a folder of parts), and its number
        of part files: the parts are numbered in name order from ``first``, rows by their index
        in the part; named by ``--id-field`` or ``FILE:ROW``."""
        from pyspark.sql import functions as F

        field = self.options.get("text_field", "text")
        id_field = self.options.get("id_field")
        frame = self.spark.read.parquet(path)
        if field not in frame.columns:
            raise dedup.DedupError(f'{path}: no column "{field}"')
        frame = frame.select(
            F.col(field).cast("binary").alias("text"),
            (F.col(id_field).cast("string") if id_field else F.lit(None).cast("string")).alias(
                "id"
            ),
            F.col("_metadata.file_path").alias("file"),
            F.col("_metadata.row_index").alias("row"),
        )
        parts = sorted(r["file"] for r in frame.select("file").distinct().collect())
        numbers = self.spark.createDataFrame(
            [(p, first + i) for i, p in enumerate(parts)], "file string, file_number long"
        )
        frame = frame.join(F.broadcast(numbers), "file")
        local = F.regexp_replace("file", "^file:(//)?", "")
        name = F.coalesce(
            F.col("id"), F.concat(local, F.lit(":"), (F.col("row") + 1).cast("string"))
        )
        rows = frame.select(
            ((F.col("file_number") * F.lit(1 << _ORDINAL_BITS)) + F.col("row")).alias("key"),
            name.alias("name"),
            "text",
        )
        return rows, len(parts)


def _parquet_sketches(frame: Any, options: Dict[str, Any]) -> Any:
    """The sketch rows of one Parquet input; a row without text is a warning, as a JSON Lines
    record without text is."""
    from pyspark.sql import functions as F

    field = options.get("text_field", "text")

    def sketch_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield _sketch_batch(
                batch.column("key").to_pylist(),
                batch.column("name").to_pylist(),
                batch.column("text"),
                options,
            )

    with_text = frame.filter(F.col("text").isNotNull()).select("key", "name", "text")
    rows = with_text.mapInArrow(sketch_batches, _SKETCH_SCHEMA)
    bad = frame.filter(F.col("text").isNull()).select(
        F.col("key"),
        F.col("name"),
        *[F.lit(None).cast(t).alias(c) for c, t in
          (("words", "long"), ("bytes", "long"), ("content_hash", "binary"),
           ("band_keys", "array<long>"))],
        F.lit("warning").alias("type"),
        F.lit(f'skipped: no field "{field}"').alias("message"),
    )
    return rows.unionByName(bad)


def _sketch_batch(
    keys: List[int], names: List[str], texts: pa.Array, options: Dict[str, Any]
) -> pa.RecordBatch:
    """The sketch rows of a batch of documents."""
    n = len(keys)
    sketched = dedup.sketch_batch(texts, **options)
    band_keys = sketched.column("band_keys")
    width = band_keys.type.list_size
    return pa.RecordBatch.from_arrays(
        [
            pa.array(keys, pa.int64()),
            pa.array(names, pa.string()),
            sketched.column("words").cast(pa.int64()),
            pa.compute.binary_length(texts).cast(pa.int64()),
            sketched.column("content_hash").cast(pa.binary()),
            pa.ListArray.from_arrays(
                pa.array(range(0, (n + 1) * width, width), pa.int32()),
                band_keys.flatten().view(pa.int64()),
            ),
            pa.nulls(n, pa.string()),
            pa.nulls(n, pa.string()),
        ],
        names=_SKETCH_COLUMNS,
    )


def _text_batch(keys: List[int], texts: List[bytes]) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays(
        [pa.array(keys, pa.int64()), pa.array(texts, pa.binary())], names=["key", "text"]
    )


def _diagnostic_batch(problems: List[Tuple[str, str, str]]) -> pa.RecordBatch:
    n = len(problems)
    return pa.RecordBatch.from_arrays(
        [
            pa.array([0] * n, pa.int64()),
            pa.array([path for _, path, _ in problems], pa.string()),
            pa.nulls(n, pa.int64()),
            pa.nulls(n, pa.int64()),
            pa.nulls(n, pa.binary()),
            pa.nulls(n, pa.list_(pa.int64())),
            pa.array([severity for severity, _, _ in problems], pa.string()),
            pa.array([message for _, _, message in problems], pa.string()),
        ],
        names=_SKETCH_COLUMNS,
    )


def candidate_pairs(spark: Any, groups: Any) -> Any:
    """Distinct (a, b) candidate pairs of representatives, a before b: LSH buckets by the scan's
    rule."""
    from pyspark.sql import functions as F

    bands = groups.select("rep", F.posexplode("band_keys").alias("band", "band_key"))
    buckets = (
        bands.groupBy("band", "band_key")
        .agg(F.sort_array(F.collect_list("rep")).alias("members"))
        .filter(F.size("members") >= 2)
    )

    def pairs_of(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            pairs = [p for members in batch.column("members").to_pylist()
                     for p in dedup.bucket_pairs(members)]
            yield pa.RecordBatch.from_arrays(
                [pa.array([a for a, _ in pairs], pa.int64()),
                 pa.array([b for _, b in pairs], pa.int64())],
                names=["a", "b"],
            )

    return buckets.select("members").mapInArrow(pairs_of, "a long, b long").distinct()


def verify(inputs: "Inputs", candidates: Any, sketches: Any, options: Dict[str, Any]) -> Any:
    """The candidate pairs whose exact Jaccard reaches the threshold, with their values."""
    from pyspark.sql import functions as F

    # Only the candidates' texts are read again and joined back, not the corpus's.
    keys = candidates.select(F.col("a").alias("key")).union(candidates.select(F.col("b")))
    wanted = keys.distinct().join(sketches.select("key", "content_hash"), "key")
    documents = inputs.texts(wanted)
    texts_a = documents.select(F.col("key").alias("a"), F.col("text").alias("text_a"))
    texts_b = documents.select(F.col("key").alias("b"), F.col("text").alias("text_b"))
    joined = candidates.join(texts_a, "a").join(texts_b, "b").select("a", "b", "text_a", "text_b")
    schema = (
        "a long, b long, jaccard double, estimate double, "
        "containment_a double, containment_b double"
    )

    def verify_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            checked = dedup.verify_batch(batch.column("text_a"), batch.column("text_b"), **options)
            near = checked.column("near")
            columns = [batch.column("a"), batch.column("b")] + [
                checked.column(c)
                for c in ("jaccard", "estimate", "containment_a", "containment_b")
            ]
            yield pa.RecordBatch.from_arrays(
                [c.filter(near) for c in columns],
                names=["a", "b", "jaccard", "estimate", "containment_a", "containment_b"],
            )

    return joined.mapInArrow(verify_batches, schema)


def connected_components(
    edges: Any, max_rounds: int = 64, rounds: Optional[List[int]] = None
) -> Any:
    """(key, component) for every document with an edge, the component named by its smallest
    key: the large-star/small-star iteration (Kiveris et al., 2014), rounds until no edge
    changes, each round's edges cached."""
    from pyspark.sql import functions as F

    current = (
        edges.select(F.least("a", "b").alias("u"), F.greatest("a", "b").alias("v"))
        .filter(F.col("u") != F.col("v"))
        .distinct()
    )
    current = _materialised(current)
    for round_number in range(1, max_rounds + 1):
        after = _materialised(_small_star(_large_star(current)))
        changed = (
            after.withColumn("after", F.lit(True))
            .join(current.withColumn("before", F.lit(True)), ["u", "v"], "full_outer")
            .filter(F.col("after").isNull() | F.col("before").isNull())
            .limit(1)
            .count()
        )
        current.unpersist()
        current = after
        if changed == 0:
            if rounds is not None:
                rounds.append(round_number)
            break
    else:
        raise RuntimeError(f"connected components did not settle in {max_rounds} rounds")
    roots = current.select(F.col("u").alias("key"), F.col("u").alias("component"))
    return current.select(F.col("v").alias("key"), F.col("u").alias("component")).unionByName(
        roots
    ).distinct()


def _materialised(frame: Any) -> Any:
    """The frame computed once and cached, with its plan cut: the rounds' plans would otherwise
    nest (on 100,000 documents, printing the nested plan ran the driver out of memory).
    ``localCheckpoint`` would do this but fails on these plans in Spark 4.3 ("key not found"),
    so the frame is rebuilt from its rows' RDD on the JVM side (no data passes through Python)."""
    from pyspark import StorageLevel
    from pyspark.sql import DataFrame

    session = frame.sparkSession
    jdf = session._jsparkSession.createDataFrame(frame._jdf.javaRDD(), frame._jdf.schema())
    cut = DataFrame(jdf, session).persist(StorageLevel.MEMORY_AND_DISK)
    cut.count()
    return cut


def _large_star(edges: Any) -> Any:
    """Each node's larger neighbours are linked to the smallest of its neighbourhood."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    both = edges.unionByName(edges.select(F.col("v").alias("u"), F.col("u").alias("v")))
    smallest = F.least(F.min("v").over(Window.partitionBy("u")), F.col("u"))
    linked = both.withColumn("m", smallest).filter(F.col("v") > F.col("u"))
    return _normalised(linked.select(F.col("v").alias("a"), F.col("m").alias("b")))


def _small_star(edges: Any) -> Any:
    """Each node and its smaller neighbours are linked to the smallest of them."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    # Edges are (u < v): node v's smaller neighbours are its u's.
    linked = edges.withColumn("m", F.min("u").over(Window.partitionBy("v")))
    to_node = linked.select(F.col("v").alias("a"), F.col("m").alias("b"))
    to_neighbour = linked.select(F.col("u").alias("a"), F.col("m").alias("b"))
    return _normalised(to_node.unionByName(to_neighbour))


def _normalised(pairs: Any) -> Any:
    from pyspark.sql import functions as F

    return (
        pairs.select(F.least("a", "b").alias("u"), F.greatest("a", "b").alias("v"))
        .filter(F.col("u") != F.col("v"))
        .distinct()
    )


def cluster_records(components: Any, sketches: Any, names: Any) -> Any:
    """One `cluster` record per component, ordered by its first member: members in the scan's
    order, the member with the most words kept (then the first)."""
    from pyspark.sql import functions as F

    members = components.join(sketches.select("key", "words"), "key").join(names, "key")
    clusters = members.groupBy("component").agg(
        F.sort_array(F.collect_list(F.struct("key", "name"))).alias("members"),
        F.expr("max_by(name, struct(words, -key))").alias("keep"),
    )
    rows = clusters.select("component", F.col("members.name").alias("names"), "keep")

    def to_json(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            lines = [
                dedup._native.cluster_json(names, keep)
                for names, keep in zip(batch.column("names").to_pylist(),
                                       batch.column("keep").to_pylist())
            ]
            yield _record_batch(_SECTION_CLUSTER, batch.column("component"), None, None, lines)

    return rows.mapInArrow(to_json, _RECORD_SCHEMA)


def _record_batch(section: int, k1: Any, k2: Any, s: Any, lines: List[str]) -> pa.RecordBatch:
    """Output lines with their sort keys (section, then k1, s, k2; missing keys are 0 or "")."""
    n = len(lines)
    return pa.RecordBatch.from_arrays(
        [
            pa.array([section] * n, pa.int32()),
            k1 if k1 is not None else pa.array([0] * n, pa.int64()),
            k2 if k2 is not None else pa.array([0] * n, pa.int64()),
            s if s is not None else pa.array([""] * n, pa.string()),
            pa.array(lines, pa.string()),
        ],
        names=["section", "k1", "k2", "s", "line"],
    )


def diagnostic_records(diagnostics: Any) -> Any:
    """The `warning` and `error` records as the crate writes them, in the scan's order: by
    file, record number, path, message, then warnings before errors (the crate's order key)."""
    from pyspark.sql import functions as F

    keyed = diagnostics.select(
        (F.col("type") == "error").cast("long").alias("k2"),
        "type",
        "path",
        "message",
    )

    def to_json(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            rows = list(zip(batch.column("type").to_pylist(),
                            batch.column("path").to_pylist(),
                            batch.column("message").to_pylist()))
            lines = [dedup._native.diagnostic_json(*row) for row in rows]
            keys = pa.array([dedup._native.diagnostic_order_key(*row) for row in rows],
                            pa.string())
            yield _record_batch(_SECTION_DIAGNOSTIC, None, batch.column("k2"), keys, lines)

    return keyed.mapInArrow(to_json, _RECORD_SCHEMA)


def pair_records(exact: Any, near: Any, names: Any) -> Any:
    """The `pair` records (exact, then near-duplicate, sorted together by a then b) as written by
    the crate, and the `cluster` records' names filled in."""
    from pyspark.sql import functions as F

    kinds = exact.select("a", "b", F.lit("exact_duplicate").alias("kind"),
                         *[F.lit(1.0).alias(c) for c in
                           ("jaccard", "estimate", "containment_a", "containment_b")])
    kinds = kinds.unionByName(near.select("a", "b", F.lit("near_duplicate").alias("kind"),
                                          "jaccard", "estimate", "containment_a",
                                          "containment_b"))
    name_a = names.select(F.col("key").alias("a"), F.col("name").alias("name_a"))
    name_b = names.select(F.col("key").alias("b"), F.col("name").alias("name_b"))
    named = kinds.join(name_a, "a").join(name_b, "b")

    def to_json(rows: Iterator[Any]) -> Iterator[tuple]:
        for r in rows:
            values = (r["jaccard"], r["estimate"], r["containment_a"], r["containment_b"])
            line = dedup.pair_json(r["name_a"], r["name_b"], r["kind"], values)
            yield (_SECTION_PAIR, r["a"], r["b"], "", line)

    spark = named.sparkSession
    return spark.createDataFrame(
        named.rdd.mapPartitions(to_json), _RECORD_SCHEMA
    )


def write_jsonl(spark: Any, records: Any, folder: str) -> None:
    """Writes the records sorted (pairs, clusters, diagnostics, summary), as JSON Lines parts
    whose name order is the record order."""
    from pyspark.sql import functions as F

    ordered = records.orderBy("section", "k1", "s", "k2")
    ordered.select("line").write.option("compression", "none").text(folder)
    _rename_parts(spark, folder)


def _rename_parts(spark: Any, folder: str) -> None:
    """part-00000-<uuid>.txt -> part-00000.jsonl, through Hadoop's file system (any store)."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    path = jvm.org.apache.hadoop.fs.Path(folder)
    fs = path.getFileSystem(conf)
    for status in fs.listStatus(path):
        name = status.getPath().getName()
        if name.startswith("part-") and name.endswith(".txt"):
            # part-NNNNN-<uuid>-cNNN.txt: the task number and the file number within the task.
            stem = name[: -len(".txt")]
            task, file_number = stem[:10], stem.rsplit("-", 1)[-1]
            target = jvm.org.apache.hadoop.fs.Path(folder, f"{task}-{file_number}.jsonl")
            if not fs.rename(status.getPath(), target):
                raise OSError(f"{folder}: could not rename {name}")


def keep_drop(sketches: Any, names: Any, components: Any) -> Any:
    """Every document, whether to keep it, and its cluster's first member (null outside any)."""
    from pyspark.sql import functions as F

    keeps = (
        components.join(sketches.select("key", "words"), "key")
        .groupBy("component")
        .agg(F.expr("max_by(key, struct(words, -key))").alias("kept"))
    )
    in_cluster = components.join(keeps, "component")
    return (
        names.join(in_cluster, "key", "left")
        .select(
            "key",
            "name",
            (F.col("kept").isNull() | (F.col("kept") == F.col("key"))).alias("keep"),
            F.col("component").alias("cluster"),
        )
        .orderBy("key")
    )


if __name__ == "__main__":
    sys.exit(main())
