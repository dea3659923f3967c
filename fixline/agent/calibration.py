"""Calibrated confidence: the diagnostician's raw score mapped to the probability that
its first cause is right, fitted on verified outcomes (Platt scaling: a logistic curve
over the logit of the raw score, two parameters, fine with a few dozen outcomes)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

EPS = 1e-4


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Calibrator:
    a: float = 1.0
    b: float = 0.0
    samples: int = 0

    def __call__(self, raw: float) -> float:
        z = self.a * math.log(max(EPS, min(1 - EPS, raw)) / (1 - max(EPS, min(1 - EPS, raw)))) + self.b
        return round(1 / (1 + math.exp(-z)), 3)

    @classmethod
    def fit(cls, raw: list[float], correct: list[bool], iterations: int = 100) -> Calibrator:
        """Newton's method on the log loss, with Platt's smoothed targets."""
        x = _logit(np.asarray(raw, dtype=float))
        y = np.asarray(correct, dtype=float)
        positives, negatives = y.sum(), len(y) - y.sum()
        target = np.where(y == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))
        a, b = 1.0, 0.0
        for _ in range(iterations):
            p = 1 / (1 + np.exp(-(a * x + b)))
            w = np.maximum(p * (1 - p), 1e-9)
            gradient = np.array([np.sum((p - target) * x), np.sum(p - target)])
            hessian = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]])
            hessian += np.eye(2) * 1e-6
            step = np.linalg.solve(hessian, gradient)
            a, b = a - step[0], b - step[1]
            if np.abs(step).max() < 1e-8:
                break
        return cls(float(a), float(b), len(raw))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"a": self.a, "b": self.b, "samples": self.samples}))

    @classmethod
    def load(cls, path: Path) -> Calibrator | None:
        try:
            data = json.loads(path.read_text())
            return cls(float(data["a"]), float(data["b"]), int(data["samples"]))
        except (OSError, ValueError, KeyError):
            return None


def reliability(confidences: list[float], correct: list[bool],
                bins: int = 10) -> list[tuple[float, float, int]]:
    """(mean confidence, accuracy, count) per equal-width confidence bin."""
    out = []
    for k in range(bins):
        low, high = k / bins, (k + 1) / bins
        idx = [i for i, c in enumerate(confidences) if low <= c < high or (k == bins - 1 and c >= 1.0)]
        if idx:
            out.append((sum(confidences[i] for i in idx) / len(idx),
                        sum(correct[i] for i in idx) / len(idx), len(idx)))
    return out


def expected_calibration_error(confidences: list[float], correct: list[bool], bins: int = 10) -> float:
    total = len(confidences)
    return sum(n / total * abs(acc - conf) for conf, acc, n in reliability(confidences, correct, bins)) \
        if total else 0.0
