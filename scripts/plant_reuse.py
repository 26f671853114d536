#!/usr/bin/env python3
"""A text-reuse corpus in the manner of PAN's artificial cases, for scripts/plagdet.py.

    dedup-synth --docs 4000 --seed 1 --near-duplicates 0 --passages 0 --out base
    python3 scripts/plant_reuse.py --base base/docs --out reuse --pairs 1000 --obfuscation 0.1
    dedup scan reuse/docs --format jsonl -q > found.jsonl
    python3 scripts/plagdet.py --truth reuse/truth.jsonl --found found.jsonl

Takes documents two at a time from `--base` (so every document is in at most one case), copies a
passage of 50 to 300 words from the first (the source) into the second (the target) at a word
boundary, and writes both to `--out/docs` with `--out/truth.jsonl` in dedup-synth's format
(`passage` records with byte spans in both). With `--obfuscation p`, PAN's "random obfuscation":
each copied word is, with probability p, replaced by a word drawn from the corpus, deleted, or
followed by an inserted word (a third each). The same seed gives the same corpus. Standard library
only.
"""

import argparse
import json
import os
import random


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="folder of plain-text documents to plant into")
    ap.add_argument("--out", required=True, help="folder to write (docs/ and truth.jsonl)")
    ap.add_argument("--pairs", type=int, default=1000, help="source/target pairs to plant")
    ap.add_argument("--obfuscation", type=float, default=0.0, help="share of copied words edited")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    files = sorted(
        os.path.join(folder, f) for folder, _, names in os.walk(args.base) for f in names if f.endswith(".txt")
    )
    if len(files) < 2 * args.pairs:
        raise SystemExit(f"plant_reuse.py: {len(files)} documents, {2 * args.pairs} needed")
    rng.shuffle(files)
    texts = [open(f, encoding="utf-8").read() for f in files[: 2 * args.pairs]]
    vocabulary = sorted({w for t in texts[:200] for w in t.split()})
    docs = os.path.join(args.out, "docs")
    os.makedirs(docs, exist_ok=False)
    with open(os.path.join(args.out, "truth.jsonl"), "w", encoding="utf-8") as truth:
        for i in range(args.pairs):
            source_text, target_text = texts[2 * i], texts[2 * i + 1]
            words = source_text.split(" ")
            if len(words) < 8 or len(target_text) < 8:
                raise SystemExit(f"plant_reuse.py: a document of under 8 words ({files[2 * i]} or the next)")
            length = rng.randint(50, 300)
            if len(words) <= length + 1:
                length = len(words) // 2
            first = rng.randrange(1, len(words) - length)
            # Byte span of the copied words in the source (words are separated by single spaces).
            start = len(" ".join(words[:first]).encode()) + 1
            copied = words[first : first + length]
            end = start + len(" ".join(copied).encode())
            planted = obfuscate(copied, args.obfuscation, vocabulary, rng)
            cut = target_text.rfind(" ", 0, rng.randrange(len(target_text) // 4, 3 * len(target_text) // 4))
            head = target_text[: max(cut, 0)]
            inserted = " ".join(planted)
            target_start = len(head.encode()) + 1
            new_target = head + " " + inserted + " " + target_text[max(cut, 0) :].lstrip(" ")
            names = (f"{2 * i:06}.txt", f"{2 * i + 1:06}.txt")
            for doc, text in zip(names, (source_text, new_target)):
                with open(os.path.join(docs, doc), "w", encoding="utf-8") as f:
                    f.write(text)
            record = {
                "type": "passage",
                "source": "docs/" + names[0],
                "target": "docs/" + names[1],
                "words": length,
                "source_span": {"start": start, "end": end},
                "target_span": {"start": target_start, "end": target_start + len(inserted.encode())},
            }
            truth.write(json.dumps(record) + "\n")


def obfuscate(words, p, vocabulary, rng):
    out = []
    for w in words:
        r = rng.random()
        if r >= p:
            out.append(w)
        elif r < p / 3:
            out.append(rng.choice(vocabulary))
        elif r < 2 * p / 3:
            continue
        else:
            out.extend([w, rng.choice(vocabulary)])
    return out


if __name__ == "__main__":
    main()
