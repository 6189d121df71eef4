"""Section 4 on Fig. 4: "The lower layers of the model can be seen to converge within a few epochs.
However, the upper layers only develop after a considerable number of epochs (40-50)". Each followed
feature map's settling epoch is one repeat."""

from __future__ import annotations

import statistics
from typing import Sequence

from ..verdicts import Claim, Verdict, difference, direction, every

EARLY = 0.25  # "within a few epochs": the first quarter of training
LATE = 0.5  # "a considerable number of epochs (40-50)" of 70: the second half of training


def lower_layers_early(layer1_settled: Sequence[int], last_epoch: int) -> Claim:
    median = statistics.median(layer1_settled)
    verdict = Verdict.REPRODUCED if median <= EARLY * last_epoch else Verdict.NOT_REPRODUCED
    return Claim("The lower layers converge within a few epochs",
                 f"layer 1's maps settle at epochs {sorted(layer1_settled)} (median {median:g}) of {last_epoch}",
                 f"median settling epoch within the first {EARLY:.0%} of training", verdict)


def upper_layers_late(layer1_settled: Sequence[int], top_settled: Sequence[int], last_epoch: int) -> Claim:
    later = difference(top_settled, layer1_settled)
    median = statistics.median(top_settled)
    late = Verdict.REPRODUCED if median >= LATE * last_epoch else Verdict.NOT_REPRODUCED
    return Claim("The upper layers develop only after a considerable number of epochs",
                 f"top layer's median settling epoch {median:g} of {last_epoch}; later than layer 1's by {later.text(' epochs')}",
                 f"the top layer's maps settle significantly later than layer 1's (Welch), at a median in the "
                 f"last {1 - LATE:.0%} of training", every([direction(later, "positive"), late]))
