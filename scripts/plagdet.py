#!/usr/bin/env python3
"""PAN-style plagdet of `dedup scan`'s passages against known reuse cases.

    dedup scan CORPUS --format jsonl -q > found.jsonl
    python3 scripts/plagdet.py --truth CORPUS/truth.jsonl --found found.jsonl     # dedup-synth
    python3 scripts/plagdet.py --truth PAN_DIR --found found.jsonl --root PAN_DIR [--pairs PAN_DIR/pairs]
    python3 scripts/plagdet.py --truth CORPUS/truth.jsonl --found found.jsonl --groups  # shared texts onto pairs
    python3 scripts/plagdet.py --self-test                                        # the measures on hand-worked cases

The measures are those of the PAN text alignment task (Potthast, Stein, Barrón-Cedeño and Rosso,
"An Evaluation Framework for Plagiarism Detection", COLING 2010), at the character level of both
documents:

- a case s and a detection r are sets of characters in the suspicious (target) document and in the
  source; r detects s when both are about the same two documents and overlap in both;
- recall is the mean over cases of the share of s covered by the detections of it, precision the
  mean over detections of the share of r covered by the cases it detects;
- granularity is the mean number of detections per detected case (1 is best);
- plagdet = F1 / log2(1 + granularity).

Truth is either a `dedup-synth` truth.jsonl (its `passage` records; offsets in bytes) or a folder
of PAN XML files (`<feature name="plagiarism" this_offset=... source_reference=...>`, searched
recursively; offsets in characters, so `--root` names where the texts are to turn dedup's byte
offsets into characters). Documents are matched by file name, which must be unique (two files of
one name are an error). Documents the scan groups as exact copies have pair records to their kept
copy only, so a case between two other copies counts as missed. Every
`passage` of every dedup `pair` record is a detection (of at least `--min-words` words), except, for synth truth, those of pairs
planted as near-duplicates (their own tests judge them by Jaccard). `--pairs` keeps only the
detections between the document pairs listed (PAN's `pairs` file: one "suspicious source" per
line), as PAN systems are asked about those pairs only. No third-party package is needed.
"""

import argparse
import json
import math
import os
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict


def name(path):
    return os.path.basename(path)


def read_synth_truth(path):
    """Cases and the pairs planted as near-duplicates, from a dedup-synth truth.jsonl."""
    cases, near = [], set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec["type"] == "passage":
                t, s = rec["target_span"], rec["source_span"]
                cases.append(
                    (name(rec["target"]), t["start"], t["end"], name(rec["source"]), s["start"], s["end"])
                )
            elif rec["type"] == "near_duplicate":
                near.add(frozenset((name(rec["a"]), name(rec["b"]))))
    return cases, near


def read_pan_truth(folder):
    """Cases from PAN XML files: (target, start, end, source, start, end) in characters."""
    cases = []
    for root, _, files in os.walk(folder):
        for file in sorted(files):
            if not file.endswith(".xml"):
                continue
            doc = ET.parse(os.path.join(root, file)).getroot()
            target = name(doc.get("reference"))
            for feature in doc.iter("feature"):
                # Intrinsic cases (no source document) are not text alignment.
                if feature.get("name") != "plagiarism" or feature.get("source_reference") is None:
                    continue
                to, tl = int(feature.get("this_offset")), int(feature.get("this_length"))
                so, sl = int(feature.get("source_offset")), int(feature.get("source_length"))
                source = name(feature.get("source_reference"))
                cases.append((target, to, to + tl, source, so, so + sl))
    return cases


class CharOffsets:
    """Byte offsets to character offsets, per document, read from the texts under `root`."""

    def __init__(self, root):
        self.paths = {}
        for folder, _, files in os.walk(root):
            for file in files:
                if file in self.paths:
                    raise SystemExit(f"plagdet.py: two files named {file} under {root}")
                self.paths[file] = os.path.join(folder, file)
        self.cache = {}

    def __call__(self, doc, offset):
        if doc not in self.cache:
            with open(self.paths[doc], "rb") as f:
                data = f.read()
            # Character index of every byte offset: continuation bytes do not start a character.
            starts, n = [], 0
            for byte in data:
                starts.append(n)
                if byte & 0xC0 != 0x80:
                    n += 1
            starts.append(n)
            self.cache[doc] = starts
        return self.cache[doc][offset]


def read_detections(path, near, pairs, to_chars, min_words):
    """dedup's passages of at least `min_words` words as (a, start, end, b, start, end)."""
    found, paths = [], {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            for side in ("a", "b"):
                if rec.get("type") == "pair" and paths.setdefault(name(rec[side]), rec[side]) != rec[side]:
                    raise SystemExit(f"plagdet.py: two documents named {name(rec[side])}")
            if rec.get("type") != "pair":
                continue
            a, b = name(rec["a"]), name(rec["b"])
            if frozenset((a, b)) in near:
                continue
            if pairs is not None and frozenset((a, b)) not in pairs:
                continue
            for p in rec.get("passages", []):
                if p["words"] < min_words:
                    continue
                at, bt = p["a"], p["b"]
                found.append(
                    (a, to_chars(a, at["start"]), to_chars(a, at["end"]),
                     b, to_chars(b, bt["start"]), to_chars(b, bt["end"]))
                )
    return found


def read_group_detections(path, near, pairs, to_chars, min_words):
    """dedup's shared texts (`passage` records) projected onto pairs of documents: each group
    that is not boilerplate is one detection per two of its documents (its first occurrence in
    each), as an overlap pair's passage would be, whatever the pair's containment."""
    found, paths, numbered = [], {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("type") == "document":
                # Occurrences name documents by number; these records come first.
                numbered[rec["doc"]] = rec["path"]
                continue
            if rec.get("type") != "passage" or rec.get("boilerplate") or rec["words"] < min_words:
                continue
            first = {}
            for fields in rec["occurrences"]:
                # [doc, start, end, line] or [doc, start, end, line, words]
                o = {"start": fields[1], "end": fields[2]}
                full = numbered[fields[0]]
                doc = name(full)
                if paths.setdefault(doc, full) != full:
                    raise SystemExit(f"plagdet.py: two documents named {doc}")
                first.setdefault(doc, o)
            docs = sorted(first)
            for i, a in enumerate(docs):
                for b in docs[i + 1:]:
                    if frozenset((a, b)) in near:
                        continue
                    if pairs is not None and frozenset((a, b)) not in pairs:
                        continue
                    at, bt = first[a], first[b]
                    found.append(
                        (a, to_chars(a, at["start"]), to_chars(a, at["end"]),
                         b, to_chars(b, bt["start"]), to_chars(b, bt["end"]))
                    )
    return found


def oriented(detection, target, source):
    """The detection's spans as (target span, source span), or None when about other documents."""
    a, sa, ea, b, sb, eb = detection
    if (a, b) == (target, source):
        return (sa, ea), (sb, eb)
    if (b, a) == (target, source):
        return (sb, eb), (sa, ea)
    return None


def overlap(x, y):
    return max(0, min(x[1], y[1]) - max(x[0], y[0]))


def union_length(spans):
    total, end = 0, None
    for start, stop in sorted(spans):
        if end is None or start > end:
            total += stop - start
            end = stop
        elif stop > end:
            total += stop - end
            end = stop
    return total


def clip(span, to):
    start, stop = max(span[0], to[0]), min(span[1], to[1])
    return (start, stop) if start < stop else None


def measure(cases, detections):
    """Precision, recall, granularity, plagdet (PAN 2010 definitions) and the cases detected."""
    by_pair = defaultdict(list)
    for i, d in enumerate(detections):
        by_pair[frozenset((d[0], d[3]))].append(i)
    # Per detection, the spans of the cases it detects on its own two sides (a, then b).
    covered_by_cases = defaultdict(list)
    recall_sum, detected, granules = 0.0, 0, 0
    for target, ts, te, source, ss, se in cases:
        case = ((ts, te), (ss, se))
        hits = []
        for i in by_pair.get(frozenset((target, source)), []):
            spans = oriented(detections[i], target, source)
            if spans and overlap(spans[0], case[0]) > 0 and overlap(spans[1], case[1]) > 0:
                hits.append(spans)
                a_is_target = detections[i][0] == target
                covered_by_cases[i].append(case if a_is_target else (case[1], case[0]))
        covered = sum(
            union_length([c for c in (clip(h[side], case[side]) for h in hits) if c])
            for side in (0, 1)
        )
        size = (te - ts) + (se - ss)
        recall_sum += covered / size if size else 0.0
        if hits:
            detected += 1
            granules += len(hits)
    precision_sum = 0.0
    for i, (a, sa, ea, b, sb, eb) in enumerate(detections):
        own = ((sa, ea), (sb, eb))
        size = (ea - sa) + (eb - sb)
        covered = sum(
            union_length(
                [c for c in (clip(case[side], own[side]) for case in covered_by_cases[i]) if c]
            )
            for side in (0, 1)
        )
        precision_sum += covered / size if size else 0.0
    recall = recall_sum / len(cases) if cases else 0.0
    precision = precision_sum / len(detections) if detections else 0.0
    granularity = granules / detected if detected else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    plagdet = f1 / math.log2(1 + granularity)
    return precision, recall, granularity, plagdet, detected


def self_test():
    """The measures on cases small enough to work out by hand."""
    case = [("t", 0, 100, "s", 0, 100)]
    exact = [("s", 0, 100, "t", 0, 100)]  # dedup names the pair in either order
    assert measure(case, exact)[:4] == (1.0, 1.0, 1.0, 1.0)
    half = [("t", 0, 50, "s", 0, 50)]
    p, r, g, _, _ = measure(case, half)
    assert (p, r, g) == (1.0, 0.5, 1.0)
    split = [("t", 0, 50, "s", 0, 50), ("t", 50, 100, "s", 50, 100)]
    p, r, g, plagdet, _ = measure(case, split)
    assert (p, r, g) == (1.0, 1.0, 2.0) and abs(plagdet - 1 / math.log2(3)) < 1e-12
    # Twice as long as the case on both sides; one detection of other documents; none.
    wide = [("t", 0, 200, "s", 0, 200), ("t", 0, 100, "x", 0, 100)]
    p, r, g, _, _ = measure(case, wide)
    assert (p, r, g) == (0.25, 1.0, 1.0)
    assert measure(case, [])[:4] == (0.0, 0.0, 1.0, 0.0)
    # Overlapping in one document only is no detection.
    assert measure(case, [("t", 0, 100, "s", 200, 300)])[1] == 0.0
    print("self-test passed")


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--truth", required=True, help="dedup-synth truth.jsonl, or a folder of PAN XML files")
    ap.add_argument("--found", required=True, help="dedup scan --format jsonl output")
    ap.add_argument("--pairs", help="only detections between these document pairs (PAN's pairs file)")
    ap.add_argument("--root", help="where the texts are, to count PAN offsets in characters")
    ap.add_argument(
        "--min-words",
        type=int,
        default=0,
        help="only passages of at least this many words (the scan's --min-words leaves out the "
        "short quoted passages, which are shared quotes rather than reused passages)",
    )
    ap.add_argument(
        "--groups",
        action="store_true",
        help="detections are the shared texts (passage records) projected onto every pair of "
        "their documents, not the passages of the pair records (which are only the pairs past "
        "--min-containment)",
    )
    args = ap.parse_args()
    if os.path.isdir(args.truth):
        cases, near = read_pan_truth(args.truth), set()
        if not args.root:
            sys.exit("plagdet.py: --root is needed with PAN truth (its offsets are characters)")
        to_chars = CharOffsets(args.root)
    else:
        cases, near = read_synth_truth(args.truth)
        to_chars = lambda doc, offset: offset  # synth offsets are bytes, as dedup's
    pairs = None
    if args.pairs:
        with open(args.pairs, encoding="utf-8") as f:
            pairs = {frozenset(map(name, line.split()[:2])) for line in f if line.strip()}
    read = read_group_detections if args.groups else read_detections
    detections = read(args.found, near, pairs, to_chars, args.min_words)
    precision, recall, granularity, plagdet, detected = measure(cases, detections)
    print(f"cases {len(cases)}, detected {detected}, detections {len(detections)}")
    print(f"precision {precision:.4f}  recall {recall:.4f}  granularity {granularity:.4f}  plagdet {plagdet:.4f}")


if __name__ == "__main__":
    main()
