"""dedup: near-duplicate documents and shared passages in text corpora.

The same pipeline as the ``dedup`` command line (one Rust crate, called through ``dedup._native``):

- :func:`scan` runs ``dedup scan --format jsonl`` and returns its records as dicts;
- the batch functions run one stage over a batch of documents held in Arrow arrays, for
  engines that shard a corpus (``dedup-spark``, :mod:`dedup.spark`): :func:`sketch_batch`,
  :func:`bucket_pairs`, :func:`verify_batch`, with :func:`discover` and :func:`read_file`
  reading documents exactly as the scan reads them.

Options are named as the command line's long flags, with ``_`` for ``-``: ``threshold``,
``ngram``, ``perms``, ``bands``, ``seed``, ``min_words``, ``max_df``, ``min_containment``,
``no_overlap``, ``hidden``, ``no_ignore``, ``follow``, ``glob`` (a list), ``max_bytes``,
``input_format``, ``text_field``, ``id_field``. A bad option raises :class:`DedupError` with the
message the command line gives; a wrong type or unknown name raises :class:`TypeError`.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Sequence, Tuple, Union

import pyarrow as pa

from . import _native
from ._native import DedupError

__all__ = [
    "DedupError",
    "scan",
    "discover",
    "read_file",
    "sketch_batch",
    "verify_batch",
    "bucket_pairs",
    "lsh_layout",
    "pair_json",
]

PathLike = Union[str, "os.PathLike[str]"]
Diagnostic = Dict[str, str]


def scan(paths: Union[PathLike, Sequence[PathLike]], **options: Any) -> List[Dict[str, Any]]:
    """Runs ``dedup scan --format jsonl`` over ``paths`` and returns its records, in order.

    Each record is a dict with a ``type``: ``document``, ``passage``, ``quote``, ``pair``,
    ``cluster``, ``warning``, ``error``, and one ``summary`` last (see DESIGN.md).
    """
    text = _native.scan_jsonl(_paths(paths), options)
    return [json.loads(line) for line in text.splitlines()]


def discover(
    paths: Union[PathLike, Sequence[PathLike]], **options: Any
) -> Tuple[List[str], List[Diagnostic]]:
    """The files a scan of ``paths`` reads, in the scan's order, and the problems met finding
    them (as ``warning``/``error`` records)."""
    files, problems = _native.discover(_paths(paths), options)
    return files, [_diagnostic(p) for p in problems]


def read_file(path: PathLike, **options: Any) -> Tuple[List[str], pa.Array, List[Diagnostic]]:
    """Every document of one file as the scan reads it (one for a text file, one per line of
    JSON Lines): their names, their texts (an Arrow ``large_binary`` array), and the problems met
    (binary file, over ``max_bytes``, a malformed line) as ``warning``/``error`` records."""
    names, texts, problems = _native.read_file(os.fspath(path), options)
    return names, pa.array(texts, type=pa.large_binary()), [_diagnostic(p) for p in problems]


def sketch_batch(texts: Union[pa.Array, pa.ChunkedArray], **options: Any) -> pa.RecordBatch:
    """Sketches a batch of texts (an Arrow string or binary array; no null) for the
    near-duplicate stages, reading the text in place.

    Columns: ``words`` (uint32), ``content_hash`` (16 bytes; equal for exact duplicates),
    ``signature`` (``perms`` uint32 MinHash values), ``band_keys`` (one uint64 LSH key per band).
    """
    chunks = texts.chunks if isinstance(texts, pa.ChunkedArray) else [texts]
    parts = [_sketch_chunk(chunk, options) for chunk in chunks or [pa.array([], pa.binary())]]
    columns = [pa.concat_arrays([p[i] for p in parts]) for i in range(4)]
    return pa.RecordBatch.from_arrays(
        columns, names=["words", "content_hash", "signature", "band_keys"]
    )


def verify_batch(
    a: Union[pa.Array, pa.ChunkedArray], b: Union[pa.Array, pa.ChunkedArray], **options: Any
) -> pa.RecordBatch:
    """Verifies candidate pairs exactly: texts ``a[i]`` and ``b[i]``, where ``a[i]`` comes first
    in the scan's order (read in place; a chunked array of several chunks is combined first). Columns: ``near`` (bool: the exact Jaccard of the shingle sets reaches
    the threshold), ``jaccard``, ``estimate``, ``containment_a``, ``containment_b`` (float64,
    rounded as the JSON Lines output rounds them; 0 where ``near`` is false)."""
    a, b = _one_chunk(a), _one_chunk(b)
    if len(a) != len(b):
        raise ValueError(f"{len(a)} texts against {len(b)}")
    buffers = _native.verify_arrow(_buffers(a), _buffers(b), len(a), options)
    n = len(a)
    near = pa.Array.from_buffers(pa.uint8(), n, [None, pa.py_buffer(buffers[0])])
    values = [pa.Array.from_buffers(pa.float64(), n, [None, pa.py_buffer(v)]) for v in buffers[1:]]
    return pa.RecordBatch.from_arrays(
        [near.cast(pa.bool_())] + values,
        names=["near", "jaccard", "estimate", "containment_a", "containment_b"],
    )


def bucket_pairs(members: Sequence[int]) -> List[Tuple[int, int]]:
    """The candidate pairs of one LSH bucket whose members (document keys) are sorted and
    distinct, by the scan's rule: every pair in a bucket of up to 32, else the first member with
    each other one and each member with the next."""
    return _native.bucket_pairs(list(members))


def lsh_layout(**options: Any) -> Tuple[int, int]:
    """``(bands, rows)`` of the LSH layout the options give (derived from ``threshold`` unless
    ``bands`` is set)."""
    return _native.lsh_layout(options)


def pair_json(a: str, b: str, kind: str, values: Sequence[float] = (1.0, 1.0, 1.0, 1.0)) -> str:
    """One ``pair`` record of the JSON Lines output, as ``dedup scan`` writes it: ``kind`` is
    ``near_duplicate`` (``values``: jaccard, estimate, containment_a, containment_b) or
    ``exact_duplicate``."""
    return _native.pair_json(a, b, kind, [float(v) for v in values])


def _paths(paths: Union[PathLike, Sequence[PathLike]]) -> List[str]:
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


def _diagnostic(problem: Tuple[str, str, str]) -> Diagnostic:
    severity, path, message = problem
    return {"type": severity, "path": path, "message": message}


def _one_chunk(texts: Union[pa.Array, pa.ChunkedArray]) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        return texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
    return texts


_OFFSET_WIDTHS = {
    pa.string(): 4,
    pa.binary(): 4,
    pa.large_string(): 8,
    pa.large_binary(): 8,
}


def _buffers(texts: pa.Array) -> Tuple[Any, Any, int, int]:
    """The offsets and data buffers of a string or binary array, its offset width and its
    first element (the array's offset into them)."""
    width = _OFFSET_WIDTHS.get(texts.type)
    if width is None:
        raise TypeError(f"texts must be a string or binary Arrow array, not {texts.type}")
    if texts.null_count:
        raise DedupError(f"{texts.null_count} of {len(texts)} texts are null")
    _validity, offsets, data = texts.buffers()
    if offsets is None:
        offsets = pa.py_buffer(bytes(width))
    if data is None:
        data = pa.py_buffer(b"")
    # Views as unsigned bytes (Arrow exports signed ones): no copy.
    return memoryview(offsets).cast("B"), memoryview(data).cast("B"), width, texts.offset


def _sketch_chunk(texts: pa.Array, options: Dict[str, Any]) -> List[pa.Array]:
    n = len(texts)
    words, hashes, signatures, keys, perms, bands = _native.sketch_arrow(
        _buffers(texts), n, options
    )
    return [
        pa.Array.from_buffers(pa.uint32(), n, [None, pa.py_buffer(words)]),
        pa.Array.from_buffers(pa.binary(16), n, [None, pa.py_buffer(hashes)]),
        pa.FixedSizeListArray.from_arrays(
            pa.Array.from_buffers(pa.uint32(), n * perms, [None, pa.py_buffer(signatures)]),
            perms,
        ),
        pa.FixedSizeListArray.from_arrays(
            pa.Array.from_buffers(pa.uint64(), n * bands, [None, pa.py_buffer(keys)]), bands
        ),
    ]
