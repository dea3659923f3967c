"""The seed knowledge is data, checked like code: every file parses and keeps its schema."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).resolve().parents[2] / "fixline" / "knowledge" / "data"
FAMILIES = {"car", "washing_machine", "dryer", "dishwasher", "refrigerator", "oven_range", "hvac",
            "small_engine"}
ARTICLE_KEYS = {"id", "title", "family", "equipment", "brands", "codes", "symptoms", "causes", "tools",
                "difficulty", "safety", "when_to_call_pro", "author", "source", "status", "summary"}
DIFFICULTY = {"easy", "moderate", "hard", "professional"}
ARTICLES = sorted((DATA / "articles").glob("*/*.yaml"))


def test_at_least_eighty_articles_over_eight_families():
    families = Counter(path.parent.name for path in ARTICLES)
    assert set(families) == FAMILIES
    assert sum(families.values()) >= 80
    assert min(families.values()) >= 10


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.stem)
def test_article_schema(path: Path):
    article = yaml.safe_load(path.read_text())
    assert ARTICLE_KEYS <= set(article), ARTICLE_KEYS - set(article)
    assert article["id"] == path.stem and article["family"] == path.parent.name
    assert article["status"] == "approved" and article["difficulty"] in DIFFICULTY
    assert 3 <= len(article["causes"]) <= 5 and len(article["symptoms"]) >= 5
    likelihoods = [c["likelihood"] for c in article["causes"]]
    assert likelihoods == sorted(likelihoods, reverse=True) and sum(likelihoods) <= 1.0001
    for cause in article["causes"]:
        assert cause["title"] and cause["checks"] and cause["difficulty"] in DIFFICULTY
    assert all(isinstance(code, str) for code in article["codes"])
    assert isinstance(article["safety"]["critical"], bool) and article["safety"]["warnings"]


def test_obd_table():
    table = yaml.safe_load((DATA / "codes" / "obd2_common.yaml").read_text())
    codes = [entry["code"] for entry in table["codes"]]
    assert len(codes) >= 300 and len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[PBCU][0-3][0-9A-F]{3}", code) for code in codes)
    assert all(entry["title"] and entry["causes"] for entry in table["codes"])
    assert table["source"]


@pytest.mark.parametrize("brand", ["samsung", "lg", "whirlpool", "bosch"])
def test_major_brand_code_tables(brand: str):
    table = yaml.safe_load((DATA / "codes" / "appliances" / f"{brand}.yaml").read_text())
    assert table["source"] and len(table["codes"]) >= 15
    kinds = {entry["equipment"] for entry in table["codes"]}
    assert kinds & {"washer", "washer_dryer"} and (brand == "whirlpool" or "dishwasher" in kinds)
    pairs = [(entry["code"], entry["equipment"]) for entry in table["codes"]]
    assert len(set(pairs)) == len(pairs)
    assert all(isinstance(code, str) for code, _ in pairs)


def test_labeled_evaluation_set():
    import json

    path = Path(__file__).resolve().parents[1] / "data" / "diagnosis_eval.jsonl"
    cases = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    assert len(cases) >= 150 and len({c["id"] for c in cases}) == len(cases)
    assert {c["family"] for c in cases} == FAMILIES
    for case in cases:
        assert case["text"] and case["expected"] and isinstance(case["safety"], bool)
