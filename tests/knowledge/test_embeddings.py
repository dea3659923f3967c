"""The embedding model that ships in a package: loads offline, meaningful, batch-stable."""

from __future__ import annotations

import numpy as np
import pytest

from fixline.knowledge.embeddings import DIMENSIONS, MiniLM


@pytest.fixture(scope="module")
def model() -> MiniLM:
    return MiniLM()


def test_vectors_are_unit_length_and_meaningful(model):
    v = model.embed(["my dishwasher will not drain", "standing water left in the dishwasher",
                     "the car engine overheats and steams"])
    assert v.shape == (3, DIMENSIONS)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > 0.5 > v[0] @ v[2]


def test_padding_to_the_batch_does_not_change_a_vector(model):
    alone = model.embed(["fridge is warm"])[0]
    with_long = model.embed(["fridge is warm", "a much longer text " * 30])[0]
    assert np.allclose(alone, with_long, atol=1e-4)


def test_chroma_calls_it_with_documents(model):
    assert len(model(["one", "two"])) == 2
    assert model.embed([]).shape == (0, DIMENSIONS)
