"""FIXLINE_CHROMA_HOST: the same store code against a real Chroma server process (the
`chroma` server that ships in the chromadb package), on loopback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixline.core.settings import Settings
from fixline.knowledge.content import Doc
from fixline.knowledge.search import HybridSearch
from fixline.knowledge.store import KnowledgeStore
from tests.server import free_port, wait_until_up

pytestmark = pytest.mark.slow


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    binary = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen([str(binary), "run", "--path", str(tmp_path / "server"),
                                "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/api/v2/heartbeat", process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_store_and_search_through_a_chroma_server(chroma_server, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=chroma_server)
    store = KnowledgeStore(settings)
    doc = Doc(id="article:test-server", text="Garage door opener hums but the door does not move",
              family="other", kind="article", title="Garage door opener hums",
              body={"causes": [{"title": "Stripped drive gear", "likelihood": 0.6}],
                    "symptoms": ["the opener hums but the door won't move"]})
    assert store.upsert([doc]) == 1
    assert not (tmp_path / "data" / "chroma").exists()  # nothing embedded locally
    hits = HybridSearch(store).search("my garage door opener just hums", families=["other"])
    assert hits[0].doc.id == "article:test-server"
    assert hits[0].doc.body["causes"][0]["title"] == "Stripped drive gear"
