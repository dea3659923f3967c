"""The offline diagnostician on realistic descriptions, over the real seed content, with
its code book on SQLite and PostgreSQL."""

from __future__ import annotations

from fixline.agent.diagnosis import CaseFacts, Equipment


def facts(text: str, category: str | None = None, make: str | None = None,
          codes: tuple[str, ...] = ()) -> CaseFacts:
    return CaseFacts(Equipment(category=category, make=make), symptoms=(text,), codes=codes)


async def test_brand_code_explains_the_fault(offline):
    d = await offline.diagnose(facts("bosch dishwasher showing E24, dirty water left in the bottom",
                                     "dishwasher", "Bosch", ("E24",)))
    titles = " ".join(c.title.lower() for c in d.causes[:3])
    assert "drain" in titles or "filter" in titles or "siphon" in titles
    assert any(s.startswith("code:bosch") for c in d.causes for s in c.sources)
    assert 0 < d.confidence <= 1 and d.model.startswith("offline")


async def test_obd_code_without_a_category(offline):
    d = await offline.diagnose(facts("check engine light flashing and it shakes, code P0302"))
    titles = [c.title.lower() for c in d.causes[:3]]
    assert any("spark plug" in t or "coil" in t for t in titles)


async def test_gas_smell_is_safety_first(offline):
    d = await offline.diagnose(facts("i can smell gas around the boiler cupboard", "hvac"))
    assert d.safety and d.safety_warnings[0].startswith("If you smell gas")
    assert d.causes[0].title == "Gas leak"


async def test_description_without_codes_finds_the_article(offline):
    d = await offline.diagnose(facts("the fridge part is getting warm but the freezer is still freezing",
                                     "refrigerator"))
    assert d.causes and any("article:refrigerator-fridge-warm-freezer-cold" in c.sources
                            for c in d.causes[:3])
    assert d.causes[0].steps  # the customer gets checks to do, not just a name


async def test_a_code_of_another_kind_of_equipment_is_not_used(offline):
    d = await offline.diagnose(facts("boiler shows F1 and no heating", "hvac", "Ideal", ("F1",)))
    assert not any("oven" in c.title.lower() for c in d.causes)


async def test_too_little_to_go_on_gets_a_question(offline):
    d = await offline.diagnose(facts("qwpoe zzkx"))
    assert not d.causes and d.follow_up
