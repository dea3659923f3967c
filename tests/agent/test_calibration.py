from __future__ import annotations

import random

from fixline.agent.calibration import Calibrator, expected_calibration_error, reliability


def overconfident_samples(n: int = 600) -> tuple[list[float], list[bool]]:
    """A model that says 0.9 when it is right 60 % of the time, and so on."""
    rng = random.Random(7)
    raw, correct = [], []
    for _ in range(n):
        true_p = rng.uniform(0.1, 0.7)
        raw.append(min(0.99, true_p + 0.25))
        correct.append(rng.random() < true_p)
    return raw, correct


def test_fit_removes_most_of_the_calibration_error():
    raw, correct = overconfident_samples()
    calibrator = Calibrator.fit(raw, correct)
    before = expected_calibration_error(raw, correct)
    after = expected_calibration_error([calibrator(r) for r in raw], correct)
    assert before > 0.2 and after < 0.06
    assert calibrator(0.9) > calibrator(0.5)  # still ordered


def test_save_and_load(tmp_path):
    calibrator = Calibrator.fit(*overconfident_samples(100))
    calibrator.save(tmp_path / "c.json")
    assert Calibrator.load(tmp_path / "c.json") == calibrator
    assert Calibrator.load(tmp_path / "missing.json") is None


def test_reliability_bins_count_everything():
    raw, correct = overconfident_samples(200)
    assert sum(n for _, _, n in reliability(raw, correct)) == 200
