"""Fig. 2's caption: (i) strong grouping within each feature map, (ii) greater invariance at higher
layers; Section 6's "increasing invariance and class discrimination as we ascend the layers", and
Section 4's "Layer 4 ... is more class-specific". Each map's (or random group's) value
is one repeat."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from . import states
from ..verdicts import Claim, contrast, difference, direction, every, not_testable, paired_difference, steady

MIN_LAYERS = 3  # a trend over layers needs at least this many layers


@states("fig2.grouping")
def grouping(top_similarity: Mapping[int, Sequence[float]], random_similarity: Mapping[int, Sequence[float]],
             untrained_similarity: Mapping[int, Sequence[float]], projection_similarity: Mapping[int, Sequence[float]],
             switches_similarity: Mapping[int, Sequence[float]], field_sizes: Mapping[int, int], input_size: int) -> Claim:
    """Per layer: the appearance similarity of each map's top 9 patches against that of groups of 9 random
    patches and that of the maps' top 9 in the same network untrained (what mining alone gives); and the
    similarity of each map's top 9 projections against the same projections drawn by the switches alone
    (random filters on the way down), map by map, at the layers given (those with switches below them: a
    layer-1 projection is its filter, alike by construction). Judged over the layers whose receptive field lies
    inside the image: a larger field's patches are whole images, whose pixels a map that responds to a
    class need not share."""
    local = [layer for layer in top_similarity if field_sizes[layer] < input_size]
    above_random = {layer: difference(top_similarity[layer], random_similarity[layer]) for layer in local}
    above_untrained = {layer: difference(top_similarity[layer], untrained_similarity[layer]) for layer in local}
    above_switches = {layer: paired_difference(projection_similarity[layer], switches_similarity[layer])
                      for layer in local if layer in projection_similarity}
    verdict = every(direction(d, "positive")
                    for d in [*above_random.values(), *above_untrained.values(), *above_switches.values()])
    measured = "; ".join(f"layer {layer}: patches − random {above_random[layer].text()}, − untrained "
                         f"{above_untrained[layer].text()}" + (f"; projections − switches only {above_switches[layer].text()}"
                                                               if layer in above_switches else "") for layer in local)
    whole = [layer for layer in top_similarity if layer not in local]
    if whole:
        measured += f"; not judged: layer{'s' if len(whole) > 1 else ''} {', '.join(map(str, whole))} (field covers the image)"
    return Claim("Strong grouping within each feature map: a map's top 9 look alike", measured,
                 "at every layer whose receptive field lies inside the image, the top 9 patches' similarity significantly "
                 "above 9 random patches' and above an untrained network's top 9 (Welch), and the top 9 projections' "
                 "above what the switches alone draw for the same activations (paired over the maps)", verdict)


@states("fig2.class_specific")
def class_specific(agreement: Mapping[int, Sequence[float]]) -> Claim:
    """Each map's class agreement (share of its top 9 in their most common class), by layer."""
    verdict, measured = steady(agreement, "positive")
    return Claim("Higher layers are more class-specific", f"class agreement by layer: {measured}",
                 "class agreement rises with the layer (Spearman over every map, p < 0.05), no step down (Welch)",
                 verdict)


@states("fig2.invariance")
def invariance(similarity: Mapping[int, Sequence[float]], untrained_similarity: Mapping[int, Sequence[float]],
               field_sizes: Mapping[int, int], input_size: int) -> Claim:
    """Greater invariance: the top 9 of a higher layer vary more in appearance. Measured only over layers
    whose receptive field is smaller than the image (a larger field's patches are whole images), and
    against the same network untrained: its top 9 also look less alike as the field grows, so only a
    fall beyond the untrained network's is the network's learning."""
    claim = "Greater invariance at higher layers: a map's top 9 vary more in appearance"
    test = ("similarity falls with the layer over every layer whose receptive field lies inside the image "
            "(Spearman over every map, p < 0.05), no step up (Welch, Holm), and from the lowest to the highest of "
            "them it falls more than the untrained network's (difference of differences, Welch)")
    local = sorted(layer for layer in similarity if field_sizes[layer] < input_size)
    if len(local) < MIN_LAYERS:
        whole = [layer for layer in similarity if layer not in local]
        return not_testable(claim, f"the receptive fields of layers {', '.join(map(str, whole))} "
                                   f"({', '.join(str(field_sizes[n]) for n in whole)} px) cover the whole {input_size}-px "
                                   f"image, so their patches are whole images, not parts",
                            f"similarity by layer, every layer: {steady(similarity, 'negative')[1]}", test)
    verdict, measured = steady({layer: similarity[layer] for layer in local}, "negative")
    low, high = local[0], local[-1]
    beyond = contrast([similarity[high], similarity[low], untrained_similarity[high], untrained_similarity[low]],
                      [1.0, -1.0, -1.0, 1.0])
    measured += (f"; layer {low} → {high}: trained {float(np.mean(similarity[high]) - np.mean(similarity[low])):+.2f}, "
                 f"untrained {float(np.mean(untrained_similarity[high]) - np.mean(untrained_similarity[low])):+.2f}, "
                 f"the difference {beyond.text()}")
    return Claim(claim, measured, test, every([verdict, direction(beyond, "negative")]))
