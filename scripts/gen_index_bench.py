#!/usr/bin/env python3
"""Seeded corpus for the index benchmark (BENCHMARKS.md, "Index and check").

    scripts/gen_index_bench.py OUT [--indexed 100000] [--new 1000] [--seed 1]

Writes OUT/indexed/NNN/docNNNNNNN.txt (the corpus to index) and OUT/new/newNNNNN.txt (documents
to check against it). Words follow a Zipf distribution over a 30,000-word vocabulary, documents
are 150 to 700 words (mean about 420) in paragraphs. Of the new documents, 10% are exact copies of
indexed documents (re-wrapped), 10% near-duplicates (1% of words replaced), 10% borrow a
40-word passage from an indexed document, and 70% are fresh. Same seed, same files.
`--new-only` writes the new documents again from an existing OUT/indexed.
"""
import argparse
import itertools
import os
import random

SYLLABLES = ["ka", "lo", "mi", "ter", "an", "dre", "so", "vel", "pu", "ric", "ne", "ston",
             "ga", "bel", "thi", "or", "wen", "cal", "di", "mo", "ra", "sen", "tu", "ly"]


def vocabulary(rng, size):
    words = set()
    while len(words) < size:
        n = rng.choice((1, 2, 2, 3, 3, 4))
        words.add("".join(rng.choice(SYLLABLES) for _ in range(n)))
    return sorted(words)


def document(rng, vocab, cum, words):
    tokens = rng.choices(vocab, cum_weights=cum, k=words)
    paragraphs, at = [], 0
    while at < len(tokens):
        n = rng.randint(40, 90)
        sentence = " ".join(tokens[at:at + n])
        paragraphs.append(sentence[:1].upper() + sentence[1:] + ".")
        at += n
    return "\n\n".join(paragraphs) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--indexed", type=int, default=100_000)
    ap.add_argument("--new", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--new-only", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    vocab = vocabulary(rng, 30_000)
    cum = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocab))))
    indexed_dir = os.path.join(args.out, "indexed")
    new_dir = os.path.join(args.out, "new")
    os.makedirs(new_dir, exist_ok=True)
    sources = []  # a sample of indexed documents the new ones are made from
    for i in range(args.indexed):
        folder = os.path.join(indexed_dir, f"{i // 1000:03d}")
        path = os.path.join(folder, f"doc{i:07d}.txt")
        if args.new_only:
            if i % 97 == 0:
                with open(path) as f:
                    sources.append(f.read())
            continue
        if i % 1000 == 0:
            os.makedirs(folder, exist_ok=True)
        text = document(rng, vocab, cum, rng.randint(150, 700))
        if i % 97 == 0:
            sources.append(text)
        with open(path, "w") as f:
            f.write(text)
    rng = random.Random(args.seed + 1_000_003)
    for j in range(args.new):
        kind = j % 10
        if kind == 0:  # exact copy, re-wrapped
            text = " ".join(rng.choice(sources).split()) + "\n"
        elif kind == 1:  # near-duplicate
            words = rng.choice(sources).split()
            for _ in range(max(1, len(words) // 100)):
                words[rng.randrange(len(words))] = rng.choice(vocab)
            text = " ".join(words) + "\n"
        elif kind == 2:  # borrowed passage
            words = rng.choice(sources).split()
            start = rng.randrange(max(1, len(words) - 40))
            passage = " ".join(words[start:start + 40])
            fresh = document(rng, vocab, cum, rng.randint(150, 500))
            text = fresh + "\n" + passage + "\n"
        else:
            text = document(rng, vocab, cum, rng.randint(150, 700))
        with open(os.path.join(new_dir, f"new{j:05d}.txt"), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
