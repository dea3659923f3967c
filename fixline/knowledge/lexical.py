"""BM25 over the approved documents: exact words and codes, where vectors are vague."""

from __future__ import annotations

import bm25s
import numpy as np
import Stemmer

from fixline.knowledge.content import Doc

_stemmer = Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer, return_ids=False,
                          show_progress=False)


class LexicalIndex:
    def __init__(self, docs: list[Doc]) -> None:
        self.docs = docs
        self._bm25 = bm25s.BM25()
        self._bm25.index(tokenize([d.text for d in docs]), show_progress=False)

    def search(self, text: str, n: int) -> list[tuple[int, float]]:
        """(position in docs, score), best first; nothing for a query with no known word."""
        tokens = tokenize([text])[0]
        if not tokens or not self.docs:
            return []
        scores = self._bm25.get_scores(tokens)
        top = np.argsort(-scores)[:n]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
