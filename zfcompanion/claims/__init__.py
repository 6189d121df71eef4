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

# Rules whose control is still to be built (open work, not hidden), and what it would take: filled by
# `open_control` as the rule modules are imported.
OPEN_CONTROLS: dict[str, str] = {}


def states(key: str) -> Callable[[Callable[..., Claim]], Callable[..., Claim]]:
    """Mark a rule as judging a claim the paper states: its claims carry the paper's sentence `key`."""
    source = said(key)

    def mark(rule: Callable[..., Claim]) -> Callable[..., Claim]:
        @functools.wraps(rule)
        def judged(*args, **kwargs) -> Claim:
            return dataclasses.replace(rule(*args, **kwargs), source=source)
        return judged
    return mark


def open_control(needed: str) -> Callable[[Callable[..., Claim]], Callable[..., Claim]]:
    """Mark a rule whose control is still to be built: it is listed in `OPEN_CONTROLS` with `needed`,
    the control it would take, and its claims carry that, so that the verdict says so wherever shown."""
    def mark(rule: Callable[..., Claim]) -> Callable[..., Claim]:
        OPEN_CONTROLS[f"{rule.__module__.rsplit('.', 1)[-1]}.{rule.__name__}"] = needed

        @functools.wraps(rule)
        def judged(*args, **kwargs) -> Claim:
            return dataclasses.replace(rule(*args, **kwargs), open_control=needed)
        return judged
    return mark
