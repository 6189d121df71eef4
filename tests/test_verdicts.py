"""The statistics behind every verdict, against scipy and by hand."""

import math

import pytest
from scipy import stats

from zfcompanion import verdicts
from zfcompanion.verdicts import Verdict


def test_welch_difference_matches_scipy():
    a, b = [10.1, 10.4, 9.8, 10.0], [11.0, 11.6, 10.9]
    found = verdicts.difference(a, b)
    assert found.mean == pytest.approx(sum(a) / 4 - sum(b) / 3)
    assert found.p == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
    assert found.low < found.mean < found.high


def test_paired_difference_matches_scipy_and_needs_equal_counts():
    a, b = [80.0, 82.0, 81.5, 79.0], [70.0, 74.0, 71.0, 72.5]
    assert verdicts.paired_difference(a, b).p == pytest.approx(stats.ttest_rel(a, b).pvalue)
    with pytest.raises(ValueError, match="equal counts"):
        verdicts.paired_difference(a, b[:3])


def test_no_repeats_means_no_noise_estimate():
    found = verdicts.difference([1.0], [2.0])
    assert found.mean == -1.0 and math.isnan(found.p) and not found.measured
    assert verdicts.direction(found, "negative") == Verdict.INCONCLUSIVE
    assert "no repeats" in found.text()


def test_direction_needs_significance_and_the_right_sign():
    low, high, mixed = [1.0, 1.1, 0.9, 1.05], [2.0, 2.1, 1.9, 2.05], [1.0, 2.0, 1.5, 1.4]
    assert verdicts.direction(verdicts.difference(low, high), "negative") == Verdict.REPRODUCED
    assert verdicts.direction(verdicts.difference(low, high), "positive") == Verdict.NOT_REPRODUCED
    assert verdicts.direction(verdicts.difference(low, mixed), "negative") == Verdict.INCONCLUSIVE


def test_bounds_and_equivalence():
    tight = verdicts.shift([0.1, 0.2, 0.0, 0.1, 0.15])
    assert verdicts.within(tight, 1.0) == Verdict.REPRODUCED
    assert verdicts.within(verdicts.shift([5.0, 5.2, 4.9]), 1.0) == Verdict.NOT_REPRODUCED
    assert verdicts.within(verdicts.shift([0.0, 3.0, -2.0]), 1.0) == Verdict.INCONCLUSIVE
    assert verdicts.at_most(tight, 1.0) == Verdict.REPRODUCED
    assert verdicts.at_most(verdicts.shift([5.0, 5.2, 4.9]), 1.0) == Verdict.NOT_REPRODUCED
    assert verdicts.at_least(verdicts.shift([5.0, 5.2, 4.9]), 1.0) == Verdict.REPRODUCED
    assert verdicts.at_least(tight, 1.0) == Verdict.NOT_REPRODUCED


def test_trend_and_rising():
    rising = verdicts.trend([1, 1, 2, 2, 3, 3, 4, 4], [0.1, 0.2, 0.3, 0.35, 0.5, 0.55, 0.7, 0.8])
    assert rising.rho == pytest.approx(stats.spearmanr([1, 1, 2, 2, 3, 3, 4, 4], [0.1, 0.2, 0.3, 0.35, 0.5, 0.55, 0.7, 0.8]).statistic)
    assert rising.p < 0.05
    assert verdicts.rising(rising, "positive") == Verdict.REPRODUCED
    assert verdicts.rising(rising, "negative") == Verdict.NOT_REPRODUCED
    flat = verdicts.trend([1, 2, 3, 4], [0.5, 0.5, 0.5, 0.5])
    assert verdicts.rising(flat, "positive") == Verdict.INCONCLUSIVE


def test_a_failing_part_fails_the_claim():
    R, N, I, T = Verdict.REPRODUCED, Verdict.NOT_REPRODUCED, Verdict.INCONCLUSIVE, Verdict.NOT_TESTABLE
    assert verdicts.every([R, R]) == R
    assert verdicts.every([R, N, T, I]) == N
    assert verdicts.every([R, T, I]) == T
    assert verdicts.every([R, I]) == I


def test_counts_list_every_verdict():
    tally = verdicts.counts([Verdict.REPRODUCED, Verdict.REPRODUCED, Verdict.NOT_TESTABLE])
    assert list(tally) == list(Verdict) and tally[Verdict.REPRODUCED] == 2 and tally[Verdict.INCONCLUSIVE] == 0


def test_bootstrap_interval_covers_the_mean_and_is_the_same_every_time():
    values = [0.3, 0.1, 0.4, 0.2, 0.5, 0.25, 0.35, 0.15]
    found = verdicts.bootstrap(values)
    assert found.low < found.mean < found.high and found.p < verdicts.ALPHA
    assert found == verdicts.bootstrap(values)
    # the percentile interval is close to the t-interval for a symmetric sample
    t = verdicts.shift(values)
    assert abs(found.low - t.low) < 0.05 and abs(found.high - t.high) < 0.05
    around_zero = verdicts.bootstrap([0.3, -0.2, 0.1, -0.25, 0.05, -0.1])
    assert around_zero.low < 0 < around_zero.high and around_zero.p > verdicts.ALPHA
    assert not verdicts.bootstrap([0.3]).measured


def test_a_difference_prints_with_the_digits_asked_for():
    found = verdicts.shift([0.004, 0.006, 0.005, 0.007])
    assert found.text().startswith("+0.01 [+0.00, +0.01]") and found.text(digits=3).startswith("+0.005 [+0.003, +0.008]")
