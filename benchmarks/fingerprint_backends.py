"""How fast each fingerprint backend matches one realistic text column: the measurement behind the default
order of tos_check.fingerprints.BACKENDS (docs/fingerprints.md).

A seeded column of texts of 40-400 words, 1.5% of them carrying a phrase from the library's own positive
examples, matched by every installed backend, with and without pyarrow's regex kernel. Prints seconds, MB/s
and the number of matches (the same for every backend, or the run fails).

    .venv/bin/python benchmarks/fingerprint_backends.py [--texts 200000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time

import pyarrow as pa

from tos_check.fingerprints import FingerprintSet, available_backends
from tos_check.fingerprints.catalog import builtin_paths, load_fingerprints

_FILLER = """the of and to in is that for it as was with be by on not he this are or his from at which but have an
they you were her she there been one all we their has would when if so no out up into do any your what more
can said about than its them only other new some could these two may first then time like over also after did
many before must through back years where much way well down should because each just those people how too
state good very make world still own see men work long get here between both life being under never day same
another know while last might us great old year off come since against go came right used take three"""
WORDS = _FILLER.split()


def column(texts: int, seed: int) -> pa.Array:
    rnd = random.Random(seed)
    phrases = [t for f in load_fingerprints(builtin_paths()) for t in f.examples.positive]
    out = []
    for _ in range(texts):
        text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(40, 400)))
        out.append(f"{rnd.choice(phrases)} {text}" if rnd.random() < 0.015 else text)
    return pa.array(out, pa.large_string())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    texts = column(args.texts, args.seed)
    library = load_fingerprints(builtin_paths())
    print(f"{len(texts):,} texts, {texts.nbytes / 1e6:.0f} MB, {len(library)} fingerprints")
    counts = set()
    for backend in available_backends():
        for arrow in (True, False):
            matcher = FingerprintSet(library, backend, arrow_regex=arrow)
            started = time.perf_counter()
            found = matcher.first_match(texts)
            seconds = time.perf_counter() - started
            counts.add(len(found) - found.null_count)
            kernel = "with" if arrow else "without"
            rate = texts.nbytes / 1e6 / seconds
            matched = len(found) - found.null_count
            print(f"{backend:10} {kernel:7} Arrow's regex kernel {seconds:7.2f} s {rate:8.1f} MB/s  {matched} matched")
    if len(counts) != 1:
        print("backends disagree on the number of matches", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
