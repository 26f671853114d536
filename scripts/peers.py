#!/usr/bin/env python3
"""One peer near-duplicate pipeline, run by compare.py in the peers' venv (bench-out/venv).

read every file under DIR (sorted) -> lower-cased words -> word 5-gram shingles ->
128-permutation MinHash signatures -> LSH at threshold 0.8 -> candidate pairs.

Writes one JSON array [a, b] per candidate pair (paths relative to DIR, a < b) to --out, and a
last line {"type": "info", ...} with the tool's version and LSH layout. Candidates are not
verified: that is what these libraries offer; `dedup scan` verifies every pair exactly.
"""

import argparse
import json
import os
import re
import sys

# Words: runs of letters/digits, joined by an apostrophe, full stop, comma or colon between
# two of them ("don't", "3.5", "12,000"), as UAX #29 does for this corpus.
WORD = re.compile(r"\w+(?:['.,:]\w+)*")
NGRAM = 5
PERMS = 128
THRESHOLD = 0.8


def documents(root):
    paths = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            paths.append(os.path.join(folder, name))
    paths.sort()
    for path in paths:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        yield os.path.relpath(path, root), text


def shingles(text):
    words = WORD.findall(text.replace("\u2019", "'").lower())
    if len(words) < NGRAM:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + NGRAM]) for i in range(len(words) - NGRAM + 1)]


def candidate_pairs(neighbours):
    """The pairs (i, j), i < j, from each document's list of LSH neighbours, in document order."""
    pairs = set()
    for i, found in enumerate(neighbours):
        for j in found:
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    return pairs


def run_datasketch(root):
    import datasketch
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=PERMS)
    names, signatures = [], []
    for name, text in documents(root):
        m = MinHash(num_perm=PERMS, seed=1)
        m.update_batch([s.encode("utf-8") for s in shingles(text)])
        lsh.insert(len(names), m)
        names.append(name)
        signatures.append(m)
    pairs = set()
    for i, m in enumerate(signatures):
        for j in lsh.query(m):
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    info = {"tool": "datasketch", "version": datasketch.__version__, "bands": lsh.b, "rows": lsh.r}
    return names, pairs, info


def run_rensa(root):
    import importlib.metadata

    from rensa import RMinHash, RMinHashLSH

    bands = 32  # 32 x 4: P(candidate | J = 0.8) = 0.99995; rensa needs bands to divide perms.
    names, sets = [], []
    for name, text in documents(root):
        names.append(name)
        sets.append(shingles(text))
    signatures = RMinHash.from_token_sets(sets, num_perm=PERMS, seed=1)
    del sets
    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=PERMS, num_bands=bands)
    lsh.insert_many(signatures)
    pairs = candidate_pairs(lsh.query_all(signatures))
    info = {
        "tool": "rensa",
        "version": importlib.metadata.version("rensa"),
        "bands": bands,
        "rows": PERMS // bands,
    }
    return names, pairs, info


def run_gaoya(root):
    """gaoya's Rust index from Python, in parallel: its own word analyzer (lower-cased word
    5-grams) inserted and queried with `par_bulk_*`, both across every core."""
    import importlib.metadata

    from gaoya.minhash import MinHashStringIndex

    bands, rows = 21, 6  # dedup's own layout at 128 permutations and threshold 0.8
    names, texts = [], []
    for name, text in documents(root):
        names.append(name)
        texts.append(text)
    index = MinHashStringIndex(
        hash_size=32,
        jaccard_threshold=THRESHOLD,
        num_bands=bands,
        band_size=rows,
        analyzer="word",
        lowercase=True,
        ngram_range=(NGRAM, NGRAM),
        id_container="smallvec",
    )
    ids = list(range(len(texts)))
    index.par_bulk_insert_docs(ids, texts)
    pairs = candidate_pairs(index.par_bulk_query(texts))
    info = {
        "tool": "gaoya",
        "version": importlib.metadata.version("gaoya"),
        "bands": bands,
        "rows": rows,
    }
    return names, pairs, info


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool", choices=["datasketch", "rensa", "gaoya"])
    parser.add_argument("root")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    runner = {"datasketch": run_datasketch, "rensa": run_rensa, "gaoya": run_gaoya}[
        args.tool
    ]
    names, pairs, info = runner(args.root)
    with open(args.out, "w") as out:
        for i, j in sorted(pairs):
            a, b = sorted((names[i], names[j]))
            out.write(json.dumps([a, b]) + "\n")
        out.write(json.dumps({"type": "info", "docs": len(names), **info}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
