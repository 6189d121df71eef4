"""Section 5.2 on Table 6: on PASCAL the pre-trained network's mean AP is lower than the leading result
but "within 3.2% of the best reported result" (Section 6), and it beats the leaders "on 5 classes". Each
class's AP is one repeat."""

from __future__ import annotations

from typing import Mapping, Sequence

from ..verdicts import Claim, Verdict, at_least, paired_difference


def competitive(ours: Sequence[float], baselines: Mapping[str, Sequence[float]], gap: float) -> Claim:
    """Per-class AP of the pre-trained features and of each baseline, classes in the same order; `gap`:
    the paper's shortfall in points of mean AP (data/paper/text.csv)."""
    best = max(baselines, key=lambda name: sum(baselines[name]))
    found = paired_difference(ours, baselines[best])
    return Claim(f"The pre-trained features come within {gap:g} points of the best method's mean AP, or above it",
                 f"mean AP {sum(ours) / len(ours):.1f} against {sum(baselines[best]) / len(ours):.1f} ({best}); "
                 f"difference {found.text(' points')}",
                 f"the interval above −{gap:g} points (paired over the classes)", at_least(found, -gap))


def wins_some_classes(ours: Sequence[float], baselines: Mapping[str, Sequence[float]], classes: Sequence[str]) -> Claim:
    won = [name for k, name in enumerate(classes) if all(ours[k] > other[k] for other in baselines.values())]
    return Claim("They win some classes outright", f"won {len(won)} of {len(classes)}: {', '.join(won) or 'none'}",
                 "best on at least one class", Verdict.REPRODUCED if won else Verdict.NOT_REPRODUCED)
