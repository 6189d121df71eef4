"""Section 4 on Fig. 4: "Sudden jumps in appearance result from a change in the image from which the
strongest activation originates. The lower layers of the model can be seen to converge within a few
epochs. However, the upper layers only develop after a considerable number of epochs (40-50)". Each
followed feature map is one repeat.

When a map settles is judged on its projections of one fixed image (`analysis.evolution`), where only
the weights change what is seen: the strongest image can change with a tiny change of weights, and a
settling epoch measured on it would count such jumps as development. A map not yet settled at the
last snapshot is censored: its settling epoch is known only to lie beyond it (None), and it is
compared by rank as later than every settled one, never as settled at the last snapshot."""

from __future__ import annotations

import math
import statistics
from typing import Mapping, Sequence

from scipy import stats

from . import states
from ..verdicts import ALPHA, Claim, Verdict, at_most, bootstrap, direction, every, p_text, paired_difference

EARLY = 0.25  # "within a few epochs": the first quarter of training
LATE = 0.5  # "a considerable number of epochs (40-50)" of 70: the second half of training
LOWER = (1, 2)  # "the lower layers"

Settled = Sequence["int | None"]  # per map, its settling epoch, None when not settled by the last snapshot


def _ranked(settled: Settled, last_epoch: int) -> list[float]:
    """Settling epochs with the censored ones tied above every observed one."""
    return [math.inf if epoch is None else float(epoch) for epoch in settled]


def _median(settled: Settled, last_epoch: int) -> str:
    median = statistics.median(_ranked(settled, last_epoch))
    return f"not settled by epoch {last_epoch}" if math.isinf(median) else f"{median:g}"


def _described(settled: Settled, last_epoch: int) -> str:
    shown = ", ".join("—" if epoch is None else str(epoch) for epoch in settled)
    censored = sum(epoch is None for epoch in settled)
    return f"[{shown}] (median {_median(settled, last_epoch)}; {censored} of {len(settled)} not settled by epoch {last_epoch})"


@states("fig4.lower_early")
def lower_layers_early(settled: Mapping[int, Settled], last_epoch: int, untrained: Mapping[int, Sequence[float]],
                       close: float) -> Claim:
    """`settled`: per layer, each followed map's settling epoch on its fixed image (at similarity `close`
    to its last projection); layers 1 and 2 are judged. `untrained`: per layer, each map's similarity
    to that last projection of the same map of the network untrained, on the same image. The control:
    where weights never trained already draw the final picture (the image's own switches do), a map
    "settled" from the first snapshot has not converged, it never needed to change."""
    early = {layer: statistics.median(_ranked(settled[layer], last_epoch)) <= EARLY * last_epoch for layer in LOWER}
    changed = {layer: bootstrap([value - close for value in untrained[layer]]) for layer in LOWER}
    return Claim("The lower layers converge within a few epochs",
                 "; ".join(f"layer {layer}'s maps settle at epochs {_described(settled[layer], last_epoch)}, "
                           f"untrained similarity to the last minus {close:g}: {changed[layer].text()}" for layer in LOWER),
                 f"layers {' and '.join(map(str, LOWER))} each settle at a median epoch within the first {EARLY:.0%} "
                 f"of training (maps not settled count as later than any), and their untrained maps' similarity to "
                 f"the last projection is below {close:g} (bootstrap over the maps)",
                 every([Verdict.REPRODUCED if early[layer] else Verdict.NOT_REPRODUCED for layer in LOWER]
                       + [at_most(changed[layer], 0.0) for layer in LOWER]))


@states("fig4.upper_late")
def upper_layers_late(lower: Settled, top: Settled, last_epoch: int) -> Claim:
    """Settling epochs (on the fixed images) of layer 1's maps and the top layer's."""
    later = stats.mannwhitneyu(_ranked(top, last_epoch), _ranked(lower, last_epoch), alternative="two-sided",
                               method="asymptotic") if len(set(_ranked(top, last_epoch) + _ranked(lower, last_epoch))) > 1 else None
    p = later.pvalue if later is not None else 1.0
    shift = (later.statistic / (len(top) * len(lower)) - 0.5) if later is not None else 0.0
    rank = (Verdict.INCONCLUSIVE if p >= ALPHA else Verdict.REPRODUCED if shift > 0 else Verdict.NOT_REPRODUCED)
    late = Verdict.REPRODUCED if statistics.median(_ranked(top, last_epoch)) >= LATE * last_epoch else Verdict.NOT_REPRODUCED
    return Claim("The upper layers develop only after a considerable number of epochs",
                 f"top layer's maps settle at epochs {_described(top, last_epoch)}; layer 1's "
                 f"{_described(lower, last_epoch)}; P(top later) − ½ = {shift:+.2f}, Mann–Whitney {p_text(p)}",
                 f"the top layer's maps settle later than layer 1's (Mann–Whitney, censored maps ranked last), at a "
                 f"median in the last {1 - LATE:.0%} of training or not at all", every([rank, late]))


@states("fig4.jumps")
def jumps_follow_image_changes(changed: Sequence[float], unchanged: Sequence[float]) -> Claim:
    """Per map (of those with both kinds of step), the mean change of its strongest projection between
    snapshots where its strongest image changed, and where it stayed."""
    found = paired_difference(changed, unchanged)
    return Claim("Sudden jumps in appearance come from a change of the image giving the strongest activation",
                 f"change of the projection (1 − correlation) when the image changed minus when it stayed, over "
                 f"{len(changed)} maps: {found.text()}",
                 "larger when the image changed (paired t over the maps)", direction(found, "positive"))
