"""Reading the expert content and code tables from their data files."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data"
LIKELIHOOD = {"high": 0.5, "medium": 0.3, "low": 0.15}
# Which family an appliance code table's equipment kind belongs to.
EQUIPMENT_FAMILY = {
    "washer": "washing_machine", "washer_dryer": "washing_machine", "dryer": "dryer",
    "dishwasher": "dishwasher", "refrigerator": "refrigerator", "freezer": "refrigerator",
    "oven": "oven_range", "range": "oven_range", "cooktop": "oven_range",
}


@dataclass(frozen=True)
class Doc:
    """One searchable piece of expert content."""

    id: str
    text: str
    family: str
    kind: str  # article | code
    title: str
    codes: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    status: str = "approved"
    source: str = ""
    author: str = ""
    # What a diagnosis needs from it: ranked causes with checks and parts, safety.
    body: dict[str, Any] = field(default_factory=dict, compare=False)

    def chunks(self) -> list[str]:
        """The short passages embedded for this document: MiniLM matches a customer's
        sentence best against sentences (each way customers put the symptom, the title,
        each cause), and short texts embed an order of magnitude faster than long ones."""
        if self.kind != "article":
            meaning = self.body.get("meaning", "").split(". ")[0]
            return [f"{self.title}. {meaning}"[:200]]
        return [self.title, *self.body.get("symptoms", []),
                *(c["title"] for c in self.body.get("causes", []))]

    def metadata(self) -> dict[str, Any]:
        return {"family": self.family, "kind": self.kind, "title": self.title,
                "codes": " ".join(self.codes), "brands": " ".join(self.brands).lower(),
                "status": self.status, "source": self.source, "author": self.author,
                "body": json.dumps(self.body), "hash": self.content_hash()}

    def content_hash(self) -> str:
        """Changes whenever anything stored for the document changes."""
        blob = json.dumps([self.text, self.title, self.family, self.status, self.codes,
                           self.brands, self.source, self.author, self.body], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    @classmethod
    def from_stored(cls, doc_id: str, text: str, meta: dict[str, Any]) -> Doc:
        return cls(id=doc_id, text=text, family=meta["family"], kind=meta["kind"],
                   title=meta["title"], codes=tuple(meta["codes"].split()),
                   brands=tuple(meta["brands"].split()), status=meta["status"],
                   source=meta["source"], author=meta["author"], body=json.loads(meta["body"]))


@dataclass(frozen=True)
class CodeEntry:
    """One error code as a table defines it: for one brand (appliances) or generic (OBD-II)."""

    code: str
    brand: str  # "" for generic OBD-II
    family: str
    title: str
    meaning: str
    causes: tuple[tuple[str, float], ...]
    action: str = ""
    safety: bool = False
    source: str = ""
    aliases: tuple[str, ...] = field(default=())


def load_yaml(path: Path) -> Any:
    with path.open() as f:
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def articles(root: Path = DATA / "articles") -> Iterator[dict[str, Any]]:
    for path in sorted(root.glob("*/*.yaml")):
        yield load_yaml(path)


def article_doc(article: dict[str, Any]) -> Doc:
    """An article as one document: the words customers use (symptoms) weigh most, then
    the title, the causes and the summary."""
    causes = "; ".join(c["title"] for c in article["causes"])
    text = "\n".join([
        article["title"], *article["symptoms"], f"Causes: {causes}",
        " ".join(article.get("equipment", [])), article.get("summary", ""),
    ])
    brands = {*article.get("brands", []), *article.get("brand_codes", {})}
    body = {
        "causes": [{"title": c["title"], "likelihood": float(c["likelihood"]),
                    "steps": c.get("checks", []), "parts": c.get("parts", []),
                    "difficulty": c.get("difficulty")} for c in article["causes"]],
        "safety": article.get("safety", {}),
        "when_to_call_pro": article.get("when_to_call_pro", ""),
        "symptoms": list(article["symptoms"]),
    }
    return Doc(id=f"article:{article['id']}", text=text, family=article["family"], kind="article",
               title=article["title"], codes=tuple(str(c).upper() for c in article.get("codes", [])),
               brands=tuple(sorted(brands)), status=article.get("status", "approved"),
               source=article.get("source", ""), author=article.get("author", ""), body=body)


def obd_entries(table: dict[str, Any], source: str) -> Iterator[CodeEntry]:
    for entry in table["codes"] if isinstance(table, dict) else table:
        title = entry["title"]["en"] if isinstance(entry["title"], dict) else entry["title"]
        description = entry.get("description", "")
        if isinstance(description, dict):
            description = description.get("en", "")
        causes = []
        for cause in entry.get("causes") or entry.get("common_causes") or []:
            label = cause.get("title") or cause.get("label", {}).get("en", "")
            causes.append((label, LIKELIHOOD.get(cause.get("likelihood", "medium"), 0.3)))
        yield CodeEntry(code=entry["code"].upper(), brand="", family="car", title=title,
                        meaning=description, causes=tuple(causes),
                        safety=entry.get("safe_to_drive") == "no", source=source)


def appliance_entries(table: dict[str, Any]) -> Iterator[CodeEntry]:
    brands = [table["brand"], *table.get("also_sold_as", [])]
    for entry in table["codes"]:
        family = EQUIPMENT_FAMILY.get(entry["equipment"], entry["equipment"])
        causes = entry.get("causes", [])
        weights = [0.5, 0.25, 0.15, 0.1]
        for brand in brands:
            yield CodeEntry(
                code=str(entry["code"]).upper(), brand=brand, family=family, title=entry["title"],
                meaning=entry.get("meaning", ""),
                causes=tuple((c, weights[min(i, 3)]) for i, c in enumerate(causes)),
                action=entry.get("customer_action", ""), safety=bool(entry.get("safety")),
                source=table.get("source", ""),
                aliases=tuple(str(a).upper().replace(" ", "") for a in entry.get("aliases", [])),
            )


def repository_codes(root: Path = DATA / "codes") -> Iterator[CodeEntry]:
    common = load_yaml(root / "obd2_common.yaml")
    yield from obd_entries(common, common.get("source", "Fixline editorial team"))
    for path in sorted((root / "appliances").glob("*.yaml")):
        yield from appliance_entries(load_yaml(path))


def obdex_codes(directory: Path) -> Iterator[CodeEntry]:
    """The full generic OBD-II table of the OBDex project (CC0), when it is available."""
    for path in sorted((directory / "generic").glob("*.yaml")):
        yield from obd_entries(load_yaml(path), "OBDex (CC0)")


def code_doc(entry: CodeEntry) -> Doc:
    causes = "; ".join(c for c, _ in entry.causes)
    brand = f"{entry.brand} " if entry.brand else ""
    text = f"{brand}{entry.code} {entry.title}. {entry.meaning} Causes: {causes}. {entry.action}"
    ident = f"code:{entry.brand.lower() or 'obd'}:{entry.family}:{entry.code}"
    body = {
        "causes": [{"title": c, "likelihood": w, "steps": [entry.action] if entry.action else [],
                    "parts": []} for c, w in entry.causes],
        "safety": {"critical": entry.safety, "warnings": []},
        "meaning": entry.meaning,
    }
    return Doc(id=ident, text=text, family=entry.family, kind="code",
               title=f"{brand}{entry.code}: {entry.title}", codes=(entry.code, *entry.aliases),
               brands=(entry.brand,) if entry.brand else (), source=entry.source,
               author="Fixline editorial team", body=body)
