"""The paper's claims as rules: one module per chapter, one function per claim.

Each rule takes the values a chapter measured, by name, and returns a `verdicts.Claim` with its
verdict. Each has unit tests in which it says "not reproduced" as well as "reproduced", and one in
which a control (an untrained network, random filters, what the data allow by construction) produces
the raw effect and the verdict is not "reproduced" (tests/test_claims.py); `WITHOUT_CONTROL` names
the rules to which no control applies, each with the reason, and `OPEN_CONTROLS` those whose control
is still to be built, each with what it would take. A rule for a claim the
paper states is marked `@states(key)`, which attaches the paper's sentence (data/paper/claims.csv);
a rule without it is this project's reading of a figure or table, and the scorecard keeps it apart.
Checks that hold by construction (shapes, constants) are not claims: they stay in the tests and in
the chapters as checks of the implementation.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Callable

from ..paper import said
from ..verdicts import Claim

# Rules judged without a control, and why none applies.
WITHOUT_CONTROL = {
    "table2.replication_matches": "none applies: the error is compared with the paper's published number",
}

# Rules whose control is still to be built (open work, not hidden), and what it would take.
OPEN_CONTROLS = {
    "fig7.localizes_object": "where the context can carry the class (the paper profile): the image the square hides, "
                             "or the untrained network's drops",
    "fig7.several_maps": "the strongest map against as many other maps, not all of them: many maps carry more than one "
                         "by their number alone",
    "table2.combination_best": "ensembles of equal size: a larger ensemble beats its subset by its size alone",
    "table7.layer7_gain_on_harder_set": "the same gains in the untrained network: a set near its ceiling has no room to gain",
    "transfer.beats_baseline": "the untrained network's features with the same classifier",
    "transfer.scratch_far_worse": "a network trained from scratch to convergence on the small set, not for a fixed budget",
}


def states(key: str) -> Callable[[Callable[..., Claim]], Callable[..., Claim]]:
    """Mark a rule as judging a claim the paper states: its claims carry the paper's sentence `key`."""
    source = said(key)

    def mark(rule: Callable[..., Claim]) -> Callable[..., Claim]:
        @functools.wraps(rule)
        def judged(*args, **kwargs) -> Claim:
            return dataclasses.replace(rule(*args, **kwargs), source=source)
        return judged
    return mark
