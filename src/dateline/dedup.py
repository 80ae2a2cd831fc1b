"""Dedup: near-identical articles (syndicated wire copies, light edits) found with MinHash and LSH (datasketch)."""

from __future__ import annotations

import re

import numpy as np

NUM_PERM = 128
SHINGLE = 3  # word 3-grams: robust to a changed headline or a dropped sentence, not to a rewrite
THRESHOLD = 0.7  # estimated Jaccard above which an article is a copy of a stored one
SEED = 1  # fixed, with the scheme: signatures stored in the database must stay comparable across runs
SCHEME = "affine32"
_WORD = re.compile(r"\w+", re.U)


def shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        return {" ".join(words).encode()}
    return {" ".join(words[i:i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}


def signature(text: str):
    from datasketch import MinHash

    mh = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    mh.update_batch(list(shingles(text)))
    return mh


def to_bytes(mh) -> bytes:
    return np.asarray(mh.hashvalues, dtype=np.uint64).tobytes()


def from_bytes(data: bytes):
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashvalues=np.frombuffer(data, dtype=np.uint64).copy())


class CopyIndex:
    """An LSH index over stored articles' signatures; `find` names the stored article a new one copies."""

    def __init__(self, threshold: float = THRESHOLD):
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.signatures: dict[str, object] = {}
        self.order: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.signatures)

    def add(self, article_id: str, mh) -> None:
        if article_id in self.signatures:
            return
        self.lsh.insert(article_id, mh)
        self.signatures[article_id] = mh
        self.order[article_id] = len(self.order)

    def find(self, mh) -> tuple[str, float] | None:
        """The most similar stored article at or above the threshold (earliest stored on ties), or None."""
        best = None
        for candidate in self.lsh.query(mh):
            score = mh.jaccard(self.signatures[candidate])
            if score < self.threshold:
                continue  # LSH candidates are probable, not certain
            key = (-score, self.order[candidate])
            if best is None or key < best[0]:
                best = (key, candidate, score)
        return (best[1], round(best[2], 3)) if best else None
