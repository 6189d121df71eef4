"""The statistics behind every verdict, against scipy and by hand."""

import math

import numpy as np
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


def test_contrast_of_two_groups_is_welch_and_of_four_is_a_difference_of_differences():
    a, b = [10.1, 10.4, 9.8, 10.0], [11.0, 11.6, 10.9]
    assert verdicts.contrast([a, b], [1.0, -1.0]) == verdicts.difference(a, b)
    c, d = [5.0, 5.5, 4.5, 5.2], [1.0, 1.4, 0.8]
    found = verdicts.contrast([a, b, c, d], [1.0, -1.0, -1.0, 1.0])
    mean = lambda v: sum(v) / len(v)
    assert found.mean == pytest.approx((mean(a) - mean(b)) - (mean(c) - mean(d)))
    # the standard error adds the four groups' variances of the mean, as a brute-force sum does
    se = math.sqrt(sum(stats.tvar(g) / len(g) for g in (a, b, c, d)))
    assert (found.high - found.low) / 2 > 1.96 * se  # a t quantile on finite degrees of freedom is wider than z


def test_holm_matches_its_definition():
    p = [0.01, 0.04, 0.03, 0.005]
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> running max 0.06
    assert verdicts.holm(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert verdicts.holm([0.9, 0.8]) == pytest.approx([1.0, 1.0])


def test_an_undecided_difference_says_what_would_decide_it():
    found = verdicts.shift([0.3, -0.1, 0.4, 0.0, 0.2])
    assert found.p > verdicts.ALPHA and "repeats would decide" in found.text()
    needed = found.repeats_to_decide()
    assert needed > 5
    # with that many repeats at the same mean and spread, the difference is significant
    values = [0.3, -0.1, 0.4, 0.0, 0.2] * (needed // 5 + 1)
    assert verdicts.shift(values).p < verdicts.ALPHA
    assert "decide" not in verdicts.shift([1.0, 1.1, 0.9, 1.05]).text()  # decided: nothing to add
    assert "over 20 times these 4 repeats" in verdicts.shift([1.0, -1.0, 1.01, -1.0]).text()  # as good as no effect


def test_a_paired_steady_rise_is_judged_split_by_split():
    per_layer = {1: [50.0, 60.0, 55.0], 2: [52.0, 62.0, 57.0], 3: [54.0, 64.0, 59.0]}  # splits differ, each rises
    verdict, text = verdicts.steady(per_layer, "positive", paired=True)
    assert verdict == Verdict.REPRODUCED and "per split" in text
    pooled, _ = verdicts.steady(per_layer, "positive")  # pooled over splits the split-to-split spread hides it
    assert pooled != Verdict.REPRODUCED
    back = {1: [50.0, 60.0, 55.0], 2: [58.0, 68.0, 63.0], 3: [54.0, 64.0, 59.2]}
    verdict, text = verdicts.steady(back, "positive", paired=True)
    assert verdict == Verdict.NOT_REPRODUCED and "2→3" in text


def _pair_distances(seed: int, shift: float, units: int) -> np.ndarray:
    """Distances among `units` images under two conditions (a's items then b's); a's items lie closer
    together by `shift`."""
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(2 * units, 4))
    points[:units] *= 1.0 - shift
    return np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1))


def test_swap_test_matches_scipys_exact_paired_permutation_test():
    distances, units = _pair_distances(1, 0.3, 8), 8

    def mean_pair_gap(a, b, axis=-1):  # scipy hands over each unit's item indices under each condition
        off = ~np.eye(units, dtype=bool)
        return np.array([distances[np.ix_(x, x)][off].mean() - distances[np.ix_(y, y)][off].mean()
                         for x, y in zip(np.atleast_2d(a).astype(int), np.atleast_2d(b).astype(int))])

    exact = stats.permutation_test((np.arange(units), np.arange(units) + units), mean_pair_gap,
                                   permutation_type="samples", n_resamples=np.inf, vectorized=True)
    found = verdicts.pairwise_difference(distances)
    assert verdicts.swap_test(distances) == pytest.approx(exact.pvalue, abs=1e-12)
    assert found.mean == pytest.approx(float(exact.statistic[0])) and found.p == verdicts.swap_test(distances)
    assert found.low < found.mean < found.high


def test_pair_means_of_a_resample_match_a_loop_over_its_draws():
    matrix = np.random.default_rng(2).normal(size=(5, 5))
    draws = [0, 0, 3, 4, 4]
    counts = np.bincount(draws, minlength=5).astype(float)[None]
    loop = [matrix[i, j] for i in draws for j in draws if i != j]
    assert verdicts.pair_means(matrix, counts)[0] == pytest.approx(np.mean(loop))


def test_a_swap_test_without_an_effect_finds_none_and_with_one_finds_it():
    assert verdicts.pairwise_difference(_pair_distances(3, 0.0, 40)).p > verdicts.ALPHA
    strong = verdicts.pairwise_difference(_pair_distances(3, 0.5, 40))
    assert strong.p < verdicts.ALPHA and strong.high < 0


def test_a_statistic_no_resample_can_compute_is_unmeasured():
    from zfcompanion.verdicts import resampled

    found = resampled(lambda counts: np.full(len(counts), np.nan), 5, resamples=50)
    assert not found.measured and np.isnan(found.mean)
