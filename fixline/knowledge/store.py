"""The expert-content index in ChromaDB: embedded and persistent under the data
directory by default, a Chroma server when FIXLINE_CHROMA_HOST is set; the same code.

Each document is stored as short chunks (see Doc.chunks); the first chunk also carries
the whole document, so the index alone can rebuild the library (for BM25 and causes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings

from fixline.core.settings import Settings
from fixline.knowledge.content import Doc
from fixline.knowledge.embeddings import MiniLM

COLLECTION = "expert_chunks"
APPROVED = {"status": "approved"}


class KnowledgeStore:
    def __init__(self, settings: Settings, embedder: MiniLM | None = None) -> None:
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if settings.chroma_host:
            self._client: Any = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                                    settings=chroma_settings)
        else:
            path = settings.data_dir / "chroma"
            path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        self.embedder = embedder or MiniLM()
        self._collection = self._client.get_or_create_collection(
            COLLECTION, embedding_function=self.embedder, metadata={"hnsw:space": "cosine"})

    def count(self) -> int:
        """How many documents (not chunks) are indexed."""
        return len(self._collection.get(where={"chunk": 0}, include=[])["ids"])

    def upsert(self, docs: list[Doc], advance: Callable[[int], None] | None = None,
               batch: int = 32) -> int:
        """Adds or replaces documents by id, skipping those stored unchanged: seeding twice
        changes nothing and costs little. Returns how many were (re)indexed."""
        stored = self._hashes([d.id for d in docs])
        unchanged = [d for d in docs if stored.get(d.id) == d.content_hash()]
        docs = [d for d in docs if stored.get(d.id) != d.content_hash()]
        if advance and unchanged:
            advance(len(unchanged))
        for start in range(0, len(docs), batch):
            chunk_docs = docs[start:start + batch]
            self._collection.delete(where={"doc": {"$in": [d.id for d in chunk_docs]}})
            ids, texts, metas = [], [], []
            for doc in chunk_docs:
                base = doc.metadata()
                for number, text in enumerate(doc.chunks()):
                    ids.append(f"{doc.id}#{number}")
                    texts.append(text)
                    meta = {"doc": doc.id, "chunk": number, "family": doc.family,
                            "status": doc.status, "kind": doc.kind}
                    if number == 0:
                        meta |= base | {"text": doc.text}
                    metas.append(meta)
            vectors = self.embedder.embed(texts)
            self._collection.add(ids=ids, documents=texts, metadatas=metas,
                                 embeddings=[v.tolist() for v in vectors])
            if advance:
                advance(len(chunk_docs))
        return len(docs)

    def _hashes(self, ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            got = self._collection.get(ids=[f"{i}#0" for i in ids[start:start + 500]],
                                       include=["metadatas"])
            found.update({m["doc"]: m.get("hash", "") for m in got["metadatas"]})
        return found

    def approved(self) -> list[Doc]:
        got = self._collection.get(where={"$and": [APPROVED, {"chunk": 0}]}, include=["metadatas"])
        return [Doc.from_stored(m["doc"], m["text"], m) for m in got["metadatas"]]

    def nearest(self, text: str, n: int, families: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """Approved documents closest in meaning to the text: (doc id, best chunk's cosine
        similarity), best first."""
        where: dict[str, Any] = APPROVED
        families = list(families or [])
        if families:
            where = {"$and": [APPROVED, {"family": {"$in": families}}]}
        vector = self.embedder.embed([text])[0].tolist()
        result = self._collection.query(query_embeddings=[vector], n_results=n * 4, where=where,
                                        include=["distances", "metadatas"])
        best: dict[str, float] = {}
        for meta, distance in zip(result["metadatas"][0], result["distances"][0], strict=True):
            best.setdefault(meta["doc"], 1.0 - distance)
        return list(best.items())[:n]
