"""Section 5.1 on Table 3: removing the fully connected layers 6, 7 "only gives a slight increase in
error"; removing two middle convolutional layers "makes a relatively small difference"; removing both
makes the network "dramatically worse", so depth matters; changing the size of the fully connected
layers "makes little difference"; wider middle convolutional layers give "a useful gain"; enlarging
them together with the fully connected layers "results in overfitting". Removing layer 7 alone does
no harm: this project's reading of Table 3's val top-1 column (40.0 against 40.5; top-5 is
18.4 against 18.1). Arguments map each variant to its seeds' errors (%)."""

from __future__ import annotations

import math
import statistics
from typing import Mapping, Sequence

from . import states
from ..verdicts import (Claim, Difference, Verdict, at_most, difference, direction, every, not_testable,
                        shift, within)

Errors = Mapping[str, Sequence[float]]  # variant -> one error per seed
SLIGHT = 0.15  # "slight", "relatively small": within 15 % of the base error (the paper's removals: 10.6 %, 12.1 %)
LITTLE = 0.05  # "little difference": within 5 % of the base error (the paper's largest fc-size change is 4.7 %)
DRAMATIC = 2.0  # "dramatically worse": over twice the largest single removal's increase
AT_CHANCE = 2.0  # points: a network whose error ends this close to a guesser's did not train


def _change(errors: Errors, variant: str) -> Difference:
    return difference(errors[variant], errors["base"])


@states("table3.depth")
def depth_matters(errors: Errors, chance_error: float) -> Claim:
    """`chance_error`: the error (%) of a network that guesses. A seed that ends near it did not train at
    all (an optimisation failure, not a measure of depth): such seeds are counted apart, and the others
    decide."""
    failed = {variant: [e for e in values if e >= chance_error - AT_CHANCE] for variant, values in errors.items()}
    trained = {variant: [e for e in values if e < chance_error - AT_CHANCE] for variant, values in errors.items()}
    both = _change(trained, "no-conv34-fc67")
    single = max(_change(trained, variant).mean for variant in ("no-conv34", "no-fc67"))
    dramatic = Verdict.REPRODUCED if both.mean > DRAMATIC * max(single, 0.0) else Verdict.NOT_REPRODUCED
    apart = "; ".join(f"{variant}: {len(values)} of {len(errors[variant])} seeds failed to train (at chance)"
                      for variant, values in failed.items() if values)
    return Claim("Removing layers 3, 4, 6 and 7 together is dramatically worse: depth matters",
                 f"val top-1 change of the seeds that trained {both.text(' points')}; the largest single removal "
                 f"{single:+.2f}" + (f"; {apart}" if apart else ""),
                 f"a significant increase (Welch), over {DRAMATIC:g}× the largest single removal's, over the seeds that "
                 f"trained (within {AT_CHANCE:g} points of chance: failed, counted apart)",
                 every([direction(both, "positive"), dramatic]))


def _tolerance(errors: Errors, share: float) -> float:
    return share * statistics.fmean(errors["base"])


def _base_trained(errors: Errors, chance_error: float) -> Verdict:
    """The control of the "makes little difference" claims: networks that never trained (their error at
    a guesser's) differ little whatever was removed, so the claim holds by construction there and is
    inconclusive; it can be read only where the unchanged network trained."""
    return Verdict.REPRODUCED if statistics.fmean(errors["base"]) < chance_error - AT_CHANCE else Verdict.INCONCLUSIVE


def _base_text(errors: Errors, chance_error: float) -> str:
    return f"base error {statistics.fmean(errors['base']):.2f} against chance {chance_error:.2f}"


@states("table3.fc_removal_slight")
def fc_removal_slight(errors: Errors, chance_error: float) -> Claim:
    found, tolerance = _change(errors, "no-fc67"), _tolerance(errors, SLIGHT)
    return Claim("Removing layers 6 and 7 only gives a slight increase in error",
                 f"val top-1 change {found.text(' points')}; slight means below {tolerance:.2f}; "
                 f"{_base_text(errors, chance_error)}",
                 f"an increase (significantly above 0, Welch), the interval below {SLIGHT:.0%} of the base error, and "
                 f"the unchanged network {AT_CHANCE:g} points or more below chance",
                 every([direction(found, "positive"), at_most(found, tolerance), _base_trained(errors, chance_error)]))


@states("table3.conv34_small")
def conv_removal_small(errors: Errors, chance_error: float) -> Claim:
    found, tolerance = _change(errors, "no-conv34"), _tolerance(errors, SLIGHT)
    return Claim("Removing layers 3 and 4 makes a relatively small difference",
                 f"val top-1 change {found.text(' points')}; small means within ±{tolerance:.2f}; "
                 f"{_base_text(errors, chance_error)}",
                 f"the interval within ±{SLIGHT:.0%} of the base error, the unchanged network {AT_CHANCE:g} points or more "
                 f"below chance", every([within(found, tolerance), _base_trained(errors, chance_error)]))


def fc7_removal_harmless(errors: Errors, chance_error: float) -> Claim:
    base = errors["base"]
    found, spread = _change(errors, "no-fc7"), statistics.stdev(base) if len(base) > 1 else math.nan
    return Claim("Removing layer 7 alone does no harm", f"val top-1 change {found.text(' points')}; base seeds' std "
                 f"{spread:.2f}; {_base_text(errors, chance_error)}",
                 f"the interval below the spread of the unchanged network's seeds, the unchanged network {AT_CHANCE:g} "
                 f"points or more below chance", every([at_most(found, spread), _base_trained(errors, chance_error)]))


@states("table3.fc_size")
def fc_size_little(errors_by_arch: Mapping[str, Errors], chance_error: float) -> Claim:
    parts, measured = [], []
    for arch, errors in errors_by_arch.items():
        parts.append(_base_trained(errors, chance_error))
        measured.append(f"{arch} {_base_text(errors, chance_error)}")
        tolerance = _tolerance(errors, LITTLE)
        for variant in ("fc-half", "fc-double"):
            found = _change(errors, variant)
            parts.append(within(found, tolerance))
            measured.append(f"{arch} {variant}: {found.text()} (±{tolerance:.2f})")
    return Claim("Changing the size of layers 6 and 7 makes little difference", "; ".join(measured),
                 f"every change's interval within ±{LITTLE:.0%} of the base error, each unchanged network {AT_CHANCE:g} "
                 f"points or more below chance", every(parts))


@states("table3.wider_gain")
def wider_conv_helps(errors: Errors) -> Claim:
    found = _change(errors, "wide-conv345")
    return Claim("Wider layers 3, 4, 5 give a useful gain", f"val top-1 change {found.text(' points')}",
                 "significantly lower error (Welch)", direction(found, "negative"))


@states("table3.overfit")
def wide_everything_overfits(train: Errors, val: Errors) -> Claim:
    """The generalization gap (val − train error) of wider layers 3-5 with 8192-unit fc layers against the base's."""
    claim = "Enlarging layers 3-5 together with layers 6, 7 results in over-fitting"
    gap = {variant: [v - t for v, t in zip(val[variant], train[variant])] for variant in ("base", "wide-conv345-fc-double")}
    base_gap = shift(gap["base"])
    wider = difference(gap["wide-conv345-fc-double"], gap["base"])
    measured = f"base gap {statistics.fmean(gap['base']):+.2f} points; the change in gap {wider.text(' points')}"
    test = "the val − train gap significantly wider than the base network's (Welch)"
    no_gap = direction(base_gap, "positive") != Verdict.REPRODUCED if base_gap.measured else base_gap.mean <= 0
    if no_gap:
        return not_testable(claim, "the unchanged network shows no gap between train and val error: the training budget "
                                   "is too short for any network to over-fit", measured, test)
    return Claim(claim, measured, test, direction(wider, "positive"))
