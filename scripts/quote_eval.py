#!/usr/bin/env python3
"""Scores dedup's quote groups against a hand-made list of the quotes news articles share.

    dedup scan NEWS/docs --format jsonl -o out.jsonl
    python3 scripts/quote_eval.py NEWS/truth.jsonl out.jsonl

`truth.jsonl` holds one object per shared quote: {"event", "text", "words", "files": [file
names]}: a run of words quoted in every listed file (different outlets quoting one statement),
maximal for those files; a shorter part quoted by more files is an item of its own. File names
are compared without folders. Words are compared case-folded, with curly apostrophes made
straight, punctuation at their edges dropped and a word hyphenated across a line break joined.

A truth item is found when one quote group holds all of its files and shares a run of at least
90% of the item's words with it (a group may be a little longer or shorter: an outlet's quote
can stop a word early). An occurrence (item, file) is found when a group holding that file
shares such a run. A reported group is correct when it shares a run of 90% of its own words, or
of a truth item's, with an item whose files include two of the group's. Prints the recall of
items of >= 5 words in >= 3 files, of all items of >= 5 words, of occurrences, and precision.
"""

import json
import re
import sys
from pathlib import PurePath

SHARE = 0.9


def words(text):
    # A word broken across lines or paragraphs by the page's layout ("much-" then "loved") is
    # one word.
    text = re.sub(r"-\s*\n\s*", "-", text)
    out = []
    for w in text.replace("\u2019", "'").replace("\u2018", "'").lower().split():
        w = re.sub(r"^[^\w']+|[^\w']+$", "", w)
        if w:
            out.append(w)
    return out


def longest_common_run(a, b):
    """Length of the longest run of words that `a` and `b` share."""
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b):
            if x == y:
                cur[j + 1] = prev[j] + 1
                best = max(best, cur[j + 1])
        prev = cur
    return best


def read_groups(path):
    paths, groups = {}, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("type") == "document":
                paths[rec["doc"]] = PurePath(rec["path"]).name
            elif rec.get("type") == "quote":
                # [doc, start, end, line]; objects with a path before occurrences were arrays.
                docs = {paths[o[0]] if isinstance(o, list) else PurePath(o["path"]).name
                        for o in rec["occurrences"]}
                groups.append((words(rec["text"]), docs, rec["text"]))
    return groups


def main():
    truth_path, out_path = sys.argv[1], sys.argv[2]
    truth = [json.loads(l) for l in open(truth_path, encoding="utf-8") if l.strip()]
    for t in truth:
        t["w"] = words(t["text"])
        t["files"] = {PurePath(f).name for f in t["files"]}
    groups = read_groups(out_path)

    def shares(item_words, group_words):
        run = longest_common_run(item_words, group_words)
        return run >= SHARE * len(item_words) or run >= SHARE * len(group_words)

    def found(t):
        return any(t["files"] <= docs and longest_common_run(t["w"], gw) >= SHARE * len(t["w"])
                   for gw, docs, _ in groups)

    def occurrence_found(t, f):
        return any(f in docs and longest_common_run(t["w"], gw) >= SHARE * len(t["w"])
                   for gw, docs, _ in groups)

    long3 = [t for t in truth if len(t["w"]) >= 5 and len(t["files"]) >= 3]
    long_ = [t for t in truth if len(t["w"]) >= 5]
    occ = [(t, f) for t in truth for f in t["files"]]
    correct = [g for g in groups
               if any(len(t["files"] & g[1]) >= 2 and shares(t["w"], g[0]) for t in truth)]

    def ratio(hit, of):
        return f"{hit}/{of} = {hit / of:.3f}" if of else "n/a"

    print(f"quote groups of >= 5 words in >= 3 files found: {ratio(sum(map(found, long3)), len(long3))}")
    print(f"quote groups of >= 5 words found:               {ratio(sum(map(found, long_)), len(long_))}")
    print(f"all truth items found:                          {ratio(sum(map(found, truth)), len(truth))}")
    print(f"occurrences found:                              {ratio(sum(occurrence_found(t, f) for t, f in occ), len(occ))}")
    print(f"reported groups that are shared quotes:         {ratio(len(correct), len(groups))}")
    if "-v" in sys.argv:
        for t in truth:
            if not found(t):
                print("MISSED", t["event"], len(t["w"]), sorted(t["files"]), t["text"][:100])
        for g in groups:
            if g not in correct:
                print("EXTRA", sorted(g[1]), g[2][:100])


if __name__ == "__main__":
    main()
