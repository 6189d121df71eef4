"""Verdicts on the paper's claims, and the statistics that decide them.

A claim gets one of four verdicts: reproduced, not reproduced, inconclusive (the difference lies within
this run's noise), or not testable at this profile (this scale cannot show the phenomenon; the claim
says why). Where a quantity is measured several times (seeds, splits, images, feature maps) a rule
decides with those repeats: a difference counts only when it is significant at `ALPHA`. Everything
is computed in float64 with closed-form statistics, so a verdict never depends on the CPU it ran on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
from scipy import stats

ALPHA = 0.05  # two-sided significance level of every test; confidence intervals are at 1 - ALPHA
POWER = 0.8  # the power at which an inconclusive result says what it could have detected
PRACTICAL = 20  # more repeats than this many times a run's are not worth naming: the effect is as good as none


class Verdict(str, Enum):
    REPRODUCED = "reproduced"
    NOT_REPRODUCED = "not reproduced"
    INCONCLUSIVE = "inconclusive"
    NOT_TESTABLE = "not testable at this profile"

    @property
    def mark(self) -> str:
        return {"reproduced": "✓", "not reproduced": "✗", "inconclusive": "≈",
                "not testable at this profile": "–"}[self.value]

    @property
    def label(self) -> str:
        return f"{self.mark} {self.value}"


@dataclass(frozen=True)
class Claim:
    claim: str  # the paper's claim, in words
    measured: str  # the values measured on this run that decide it
    test: str  # the rule that decides, in words
    verdict: Verdict
    caveat: str = ""  # one line: what limits this verdict (stand-in data, budget, scale), or why not testable
    source: str = ""  # where the paper says it ("§4.2", "Table 1 caption"); empty: this project's reading
    open_control: str = ""  # the control still to build where none judges this claim yet (`claims.open_control`)

    @property
    def papers(self) -> bool:
        """Whether the paper states this claim (else it is this project's reading of a figure or table)."""
        return bool(self.source)

    @property
    def judged(self) -> str:
        """The verdict as shown, with the control still missing where one is."""
        return verdict_text(self.verdict, self.open_control)

    def line(self) -> str:
        origin = self.source if self.papers else "this project's reading"
        verdict = self.verdict.value + lacking(self.verdict, self.open_control)
        text = f"[{verdict}] {self.claim} ({origin}) | measured: {self.measured} | test: {self.test}"
        return text + (f" | caveat: {self.caveat}" if self.caveat else "")


def lacking(verdict: Verdict, open_control: str) -> str:
    """What follows a verdict whose rule still lacks its control (`open_control`): such a verdict may
    hold by construction, and says so wherever it is shown. A claim not testable lacks nothing."""
    return f" (no control yet: {open_control})" if open_control and verdict is not Verdict.NOT_TESTABLE else ""


def verdict_text(verdict: Verdict, open_control: str = "") -> str:
    """A verdict's label, followed by the control it still lacks, if any."""
    return verdict.label + lacking(verdict, open_control)


def not_testable(claim: str, reason: str, measured: str = "", test: str = "", source: str = "") -> Claim:
    return Claim(claim, measured or "—", test or "—", Verdict.NOT_TESTABLE, reason, source)


@dataclass(frozen=True)
class Check:
    """A check of the implementation: true by construction when the code is right (a shape, a constant),
    so it is shown as such and never counted among the paper's claims."""
    check: str
    measured: str
    holds: bool


def check(text: str, measured: str, holds: bool) -> Check:
    return Check(text, measured, bool(holds))


@dataclass(frozen=True)
class Difference:
    """Mean of a minus mean of b, with its confidence interval and two-sided p-value (Welch's t-test,
    or a one-sample t-test of paired differences). With fewer than two values on a side there is no
    estimate of the noise: low, high and p are NaN. `repeats`: the repeats behind it (the smaller
    side's), from which an undecided difference says how many would decide it."""
    mean: float
    low: float
    high: float
    p: float
    repeats: int = 0

    @property
    def measured(self) -> bool:
        return not math.isnan(self.p)

    @property
    def detectable(self) -> float:
        """The smallest difference these repeats detect with probability `POWER` (normal approximation)."""
        se = (self.high - self.low) / (2 * stats.norm.ppf(1 - ALPHA / 2))
        return float((stats.norm.ppf(1 - ALPHA / 2) + stats.norm.ppf(POWER)) * se)

    def repeats_to_decide(self) -> int | None:
        """How many repeats (of the kind behind it) would detect a difference of this size with probability
        `POWER`, the noise per repeat staying as measured; None where no difference was seen."""
        if self.mean == 0.0 or self.detectable == 0.0:
            return None
        return math.ceil(self.repeats * (self.detectable / abs(self.mean)) ** 2)

    def undecided(self, unit: str = "", digits: int = 2) -> str:
        """For a difference within the noise: the smallest one this run could detect, and the repeats needed."""
        needed = self.repeats_to_decide()
        if needed is None:
            more = "no difference seen to decide"
        elif needed > PRACTICAL * self.repeats:
            more = f"over {PRACTICAL} times these {self.repeats} repeats would be needed for one of this size"
        else:
            more = f"about {needed} repeats would decide one of this size"
        return f"detectable here: ±{self.detectable:.{digits}f}{unit}; {more}"

    def text(self, unit: str = "", digits: int = 2) -> str:
        if not self.measured:
            return f"{self.mean:+.{digits}f}{unit} (no repeats)"
        text = f"{self.mean:+.{digits}f}{unit} [{self.low:+.{digits}f}, {self.high:+.{digits}f}], {p_text(self.p)}"
        return text if self.p < ALPHA else f"{text} ({self.undecided(unit, digits)})"


def p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _array(values: Iterable[float]) -> np.ndarray:
    return np.asarray(list(values), dtype=np.float64)


def difference(a: Iterable[float], b: Iterable[float]) -> Difference:
    """a − b for independent repeats (Welch's t-test and interval)."""
    return contrast([a, b], [1.0, -1.0])


def contrast(groups: Sequence[Iterable[float]], weights: Sequence[float]) -> Difference:
    """Σ weight × mean(group) over independent groups of repeats, with a Welch–Satterthwaite interval:
    weights (1, −1) give a difference, (1, −1, −1, 1) a difference of differences ("falls more than the
    control falls")."""
    groups = [_array(group) for group in groups]
    mean = float(sum(w * g.mean() for w, g in zip(weights, groups)))
    repeats = min(len(g) for g in groups)
    if repeats < 2:
        return Difference(mean, math.nan, math.nan, math.nan, repeats)
    parts = [w * w * g.var(ddof=1) / len(g) for w, g in zip(weights, groups)]
    se = math.sqrt(sum(parts))
    if se == 0.0:  # every group constant: any non-zero difference is certain
        return Difference(mean, mean, mean, 1.0 if mean == 0.0 else 0.0, repeats)
    dof = sum(parts) ** 2 / sum(part ** 2 / (len(g) - 1) for part, g in zip(parts, groups) if part > 0)
    return _interval(mean, se, dof, repeats)


def difference_of_differences(a: Iterable[float], a_reference: Iterable[float], b: Iterable[float],
                              b_reference: Iterable[float]) -> Difference:
    """(mean a − mean a_reference) − (mean b − mean b_reference) over four independent groups (Welch):
    a change beyond the change a control shows ("falls more than the untrained network's falls")."""
    return contrast([a, a_reference, b, b_reference], [1.0, -1.0, -1.0, 1.0])


def paired_difference(a: Iterable[float], b: Iterable[float]) -> Difference:
    """a − b where a[i] and b[i] were measured on the same repeat (a split, an image)."""
    a, b = _array(a), _array(b)
    if a.shape != b.shape:
        raise ValueError(f"paired values need equal counts, got {len(a)} and {len(b)}")
    return shift(a - b)


def shift(values: Iterable[float], reference: float = 0.0) -> Difference:
    """mean(values) − reference (one-sample t-test)."""
    values = _array(values) - reference
    mean = float(values.mean())
    if len(values) < 2:
        return Difference(mean, math.nan, math.nan, math.nan, len(values))
    se = float(values.std(ddof=1) / math.sqrt(len(values)))
    if se == 0.0:
        return Difference(mean, mean, mean, 1.0 if mean == 0.0 else 0.0, len(values))
    return _interval(mean, se, len(values) - 1, len(values))


def bootstrap(values: Iterable[float], resamples: int = 10_000, seed: int = 0) -> Difference:
    """mean(values) with a percentile bootstrap interval over the repeats (resampled with a fixed seed,
    so the interval is the same on every machine) and a two-sided bootstrap p-value for a mean of 0."""
    values = _array(values)
    mean = float(values.mean())
    if len(values) < 2:
        return Difference(mean, math.nan, math.nan, math.nan, len(values))
    picks = np.random.default_rng(seed).integers(0, len(values), (resamples, len(values)))
    means = np.sort(values[picks].mean(axis=1))
    low, high = np.quantile(means, [ALPHA / 2, 1 - ALPHA / 2])
    p = min(1.0, 2 * min(float((means <= 0).mean()), float((means >= 0).mean())))
    return Difference(mean, float(low), float(high), p, len(values))


def unit_counts(units: int, resamples: int = 10_000, seed: int = 0) -> np.ndarray:
    """(resamples, units): how often each unit is drawn in each bootstrap resample (a fixed seed, so the
    resamples are the same on every machine)."""
    picks = np.random.default_rng(seed).integers(0, units, (resamples, units))
    return np.stack([np.bincount(row, minlength=units) for row in picks]).astype(np.float64)


def pair_means(matrix: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per row of `counts` (a resample of units), the mean of `matrix` (a value per ordered pair of units)
    over the pairs of two different units drawn; a pair of a unit with itself never counts."""
    off = np.asarray(matrix, dtype=np.float64) * (1.0 - np.eye(len(matrix)))
    pairs = counts.sum(1) ** 2 - (counts ** 2).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.einsum("ki,ij,kj->k", counts, off, counts) / pairs


def resampled(statistic: Callable[[np.ndarray], np.ndarray], units: int, resamples: int = 10_000,
              seed: int = 0) -> Difference:
    """A statistic of units that share values (pairs of images), with a percentile bootstrap interval
    over the units and a two-sided bootstrap p-value for 0. `statistic` maps counts (resamples, units),
    how often each unit is drawn, to one value per resample; all ones give the measured value."""
    observed = float(statistic(np.ones((1, units)))[0])
    if units < 2:
        return Difference(observed, math.nan, math.nan, math.nan, units)
    values = statistic(unit_counts(units, resamples, seed))
    values = np.sort(values[~np.isnan(values)])  # a resample that drew one unit only has no pair
    if len(values) == 0:
        return Difference(observed, math.nan, math.nan, math.nan, units)
    low, high = np.quantile(values, [ALPHA / 2, 1 - ALPHA / 2])
    p = min(1.0, 2 * min(float((values <= 0).mean()), float((values >= 0).mean())))
    return Difference(observed, float(low), float(high), p, units)


def _swapped_means(distances: np.ndarray, swaps: np.ndarray) -> np.ndarray:
    """Per row of `swaps` (units,) of 0/1: the mean over pairs of units of condition a's value minus
    condition b's, after each unit marked 1 exchanged its a and b."""
    n = len(distances) // 2
    blocks = {(x, y): distances[x * n : (x + 1) * n, y * n : (y + 1) * n] * (1.0 - np.eye(n) * (x == y))
              for x in (0, 1) for y in (0, 1)}
    kept = 1.0 - swaps
    side = {0: kept, 1: swaps}  # who shows each condition's item of a unit under "a"
    total = np.zeros(len(swaps))
    for x in (0, 1):
        for y in (0, 1):
            block = blocks[(x, y)]
            total += np.einsum("ki,ij,kj->k", side[x], block, side[y])  # condition a's pairs
            total -= np.einsum("ki,ij,kj->k", side[1 - x], block, side[1 - y])  # condition b's pairs
    return total / (n * (n - 1))


def swap_test(distances: np.ndarray, resamples: int = 10_000, seed: int = 0) -> float:
    """Two-sided p-value, by permutation over the units, of the mean over pairs of units of a's value
    minus b's. `distances` (2N, 2N) holds a value for every pair of the N units' items, condition a's
    N items then b's (a distance between two images' responses). Under the null the two conditions are
    exchangeable within a unit, so each unit's a and b may swap; every one of the 2^N swaps is tried
    where there are at most `resamples`, else `resamples` drawn at random (seeded)."""
    n = len(distances) // 2
    if 2 ** n <= resamples:
        swaps = (np.arange(2 ** n)[:, None] >> np.arange(n)) & 1  # row 0: as observed
    else:  # the observed arrangement counts among the permutations
        swaps = np.vstack([np.zeros(n, dtype=int), np.random.default_rng(seed).integers(0, 2, (resamples, n))])
    means = _swapped_means(np.asarray(distances, dtype=np.float64), swaps.astype(np.float64))
    observed, tolerance = means[0], 1e-12 * max(1.0, abs(means[0]))  # equal statistics must not split on rounding
    above, below = float((means >= observed - tolerance).mean()), float((means <= observed + tolerance).mean())
    return min(1.0, 2 * min(above, below))


def pairwise_difference(distances: np.ndarray, resamples: int = 10_000, seed: int = 0) -> Difference:
    """The mean over pairs of units of condition a's value minus condition b's (`distances` as in
    `swap_test`): its p-value by swapping conditions within units, its interval by resampling units."""
    n = len(distances) // 2
    found = resampled(lambda counts: pair_means(distances[:n, :n], counts) - pair_means(distances[n:, n:], counts),
                      n, resamples, seed)
    return Difference(found.mean, found.low, found.high, swap_test(distances, resamples, seed), n)


def _interval(mean: float, se: float, dof: float, repeats: int) -> Difference:
    half = float(stats.t.ppf(1 - ALPHA / 2, dof)) * se
    p = float(2 * stats.t.sf(abs(mean) / se, dof))
    return Difference(mean, mean - half, mean + half, p, repeats)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment of the p-values of several tests of one claim: each adjusted value
    can be compared with `ALPHA` directly, and the family's error rate stays at most `ALPHA`."""
    order = np.argsort(p_values, kind="stable")
    adjusted, running = [0.0] * len(p_values), 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * float(p_values[index])))
        adjusted[index] = running
    return adjusted


def direction(diff: Difference, expected: str) -> Verdict:
    """A claim that the difference is "positive" or "negative": reproduced when it is significantly so,
    not reproduced when it is significantly the other way, inconclusive within the noise (or without
    repeats to measure the noise)."""
    sign = {"positive": 1.0, "negative": -1.0}[expected]
    if not diff.measured or diff.p >= ALPHA:
        return Verdict.INCONCLUSIVE
    return Verdict.REPRODUCED if sign * diff.mean > 0 else Verdict.NOT_REPRODUCED


def at_most(diff: Difference, bound: float) -> Verdict:
    """A claim that the difference is no larger than `bound` ("hurts little", "does no harm"):
    reproduced when the whole interval lies below the bound, not reproduced when it lies above."""
    if not diff.measured:
        return Verdict.INCONCLUSIVE
    if diff.high < bound:
        return Verdict.REPRODUCED
    return Verdict.NOT_REPRODUCED if diff.low > bound else Verdict.INCONCLUSIVE


def at_least(diff: Difference, bound: float) -> Verdict:
    """A claim that the difference is at least `bound` ("far worse"): reproduced when the whole interval
    lies above the bound, not reproduced when it lies below."""
    if not diff.measured:
        return Verdict.INCONCLUSIVE
    if diff.low > bound:
        return Verdict.REPRODUCED
    return Verdict.NOT_REPRODUCED if diff.high < bound else Verdict.INCONCLUSIVE


def within(diff: Difference, tolerance: float) -> Verdict:
    """A claim that two quantities are about equal: reproduced when the interval of their difference lies
    inside ±tolerance (an equivalence test), not reproduced when it lies wholly outside."""
    if not diff.measured:
        return Verdict.INCONCLUSIVE
    if -tolerance < diff.low and diff.high < tolerance:
        return Verdict.REPRODUCED
    return Verdict.NOT_REPRODUCED if diff.low > tolerance or diff.high < -tolerance else Verdict.INCONCLUSIVE


@dataclass(frozen=True)
class Trend:
    rho: float  # Spearman's rank correlation of the values with their positions
    p: float

    def text(self) -> str:
        return f"Spearman ρ = {self.rho:+.2f}, {p_text(self.p)}"


def trend(positions: Sequence[float], values: Sequence[float]) -> Trend:
    """How monotonically `values` rise with `positions` (each value one repeat at its position)."""
    positions, values = _array(positions), _array(values)
    if len(np.unique(positions)) < 2 or len(np.unique(values)) < 2:
        return Trend(0.0, 1.0)
    result = stats.spearmanr(positions, values)
    return Trend(float(result.statistic), float(result.pvalue))


def rising(found: Trend, expected: str = "positive") -> Verdict:
    """A claim that values rise ("positive") or fall ("negative") with position, judged on the trend."""
    sign = {"positive": 1.0, "negative": -1.0}[expected]
    if found.p >= ALPHA:
        return Verdict.INCONCLUSIVE
    return Verdict.REPRODUCED if sign * found.rho > 0 else Verdict.NOT_REPRODUCED


def split_trends(per_position: Mapping[float, Sequence[float]]) -> list[float]:
    """Per split, the Spearman ρ of the values against their positions, where the i-th repeat of every
    position was measured on the same split i."""
    positions = sorted(per_position)
    return [trend(positions, [per_position[p][i] for p in positions]).rho for i in range(len(per_position[positions[0]]))]


def steady(per_position: Mapping[float, Sequence[float]], expected: str = "positive",
           paired: bool = False) -> tuple[Verdict, str]:
    """A claim that values rise ("positive") or fall ("negative") steadily with position, each position
    holding its repeats: the trend must go the expected way, and no step from one position to the next
    may go significantly against it (a curve that turns back is not steady, however its ends compare;
    the steps' p-values are Holm-adjusted, as one claim tests them all). `paired`: the i-th repeat of
    every position was measured on the same split, so the trend is each split's Spearman ρ, tested over
    the splits, and the steps are paired; otherwise the trend is over every repeat and the steps Welch's.
    Returns the verdict and the measured values in words."""
    positions = sorted(per_position)
    if paired:
        found = shift(split_trends(per_position))
        rises, trend_text = direction(found, expected), f"Spearman ρ per split, mean {found.text()}"
    else:
        pooled = trend([p for p in positions for _ in per_position[p]], [v for p in positions for v in per_position[p]])
        rises, trend_text = rising(pooled, expected), pooled.text()
    compare = paired_difference if paired else difference
    steps = [compare(per_position[b], per_position[a]) for a, b in zip(positions, positions[1:])]
    sign = 1.0 if expected == "positive" else -1.0
    backward = [f"{a}→{b} (Holm p = {p:.3f})" for (a, b), step, p in
                zip(zip(positions, positions[1:]), steps, holm([s.p if s.measured else 1.0 for s in steps]))
                if p < ALPHA and sign * step.mean < 0]
    verdict = every([rises, Verdict.NOT_REPRODUCED if backward else Verdict.REPRODUCED])
    means = ", ".join(f"{p}: {float(np.mean(per_position[p])):.2f}" for p in positions)
    return verdict, f"means {means}; {trend_text}; significant steps against: {', '.join(backward) or 'none'}"


def every(parts: Iterable[Verdict]) -> Verdict:
    """The verdict on a claim made of parts that must all hold: a failing part fails the claim (it is
    never averaged away), then a part this profile cannot test, then one within the noise."""
    parts = list(parts)
    for verdict in (Verdict.NOT_REPRODUCED, Verdict.NOT_TESTABLE, Verdict.INCONCLUSIVE):
        if verdict in parts:
            return verdict
    return Verdict.REPRODUCED


def counts(verdicts: Iterable[Verdict]) -> dict[Verdict, int]:
    """How many claims got each verdict, every verdict listed."""
    verdicts = list(verdicts)
    return {verdict: verdicts.count(verdict) for verdict in Verdict}
