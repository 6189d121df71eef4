"""Fig. 2's caption: (i) strong grouping within each feature map, (ii) greater invariance at higher
layers; Section 6's "increasing invariance and class discrimination as we ascend the layers", and
Section 4's "Layer 4 ... is more class-specific"; Section 4's projections that vary less than their
patches, and the caption's (iii), discriminative parts exaggerated. Each map's (or random group's)
value is one repeat; projections are judged against what the image's switches alone draw."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from . import states
from ..verdicts import Claim, Difference, difference, difference_of_differences, direction, every, not_testable, paired_difference, steady

MIN_LAYERS = 3  # a trend over layers needs at least this many layers
FLOOR = 0.1  # projections whose mean pixel correlation is below this share no pixel layout: the measure is at
             # its floor there and cannot tell one set of pictures as more alike than another


def _paired_per_layer(a: Mapping[int, Sequence[float]], b: Mapping[int, Sequence[float]]) -> dict[int, Difference]:
    return {layer: paired_difference(a[layer], b[layer]) for layer in a}


def _above_floor(*similarities: Mapping[int, Sequence[float]]) -> list[int]:
    """The layers at which some of these projections' mean similarity reaches `FLOOR`."""
    return [layer for layer in similarities[0] if max(float(np.mean(s[layer])) for s in similarities) >= FLOOR]


def _at_floor(layers: Sequence[int]) -> str:
    return (f"; not judged: layer{'s' if len(layers) > 1 else ''} {', '.join(map(str, layers))} (projections' mean "
            f"similarity below {FLOOR:g}: the measure is at its floor)") if layers else ""


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
    judged = _above_floor(projection_similarity, switches_similarity)
    above_switches = {layer: d for layer, d in _paired_per_layer(projection_similarity, switches_similarity).items()
                      if layer in local and layer in judged}
    verdict = every(direction(d, "positive")
                    for d in [*above_random.values(), *above_untrained.values(), *above_switches.values()])
    measured = "; ".join(f"layer {layer}: patches − random {above_random[layer].text()}, − untrained "
                         f"{above_untrained[layer].text()}" + (f"; projections − switches only {above_switches[layer].text()}"
                                                               if layer in above_switches else "") for layer in local)
    whole = [layer for layer in top_similarity if layer not in local]
    if whole:
        measured += f"; not judged: layer{'s' if len(whole) > 1 else ''} {', '.join(map(str, whole))} (field covers the image)"
    measured += _at_floor([layer for layer in projection_similarity if layer in local and layer not in judged])
    return Claim("Strong grouping within each feature map: a map's top 9 look alike", measured,
                 "at every layer whose receptive field lies inside the image, the top 9 patches' similarity significantly "
                 "above 9 random patches' and above an untrained network's top 9 (Welch), and the top 9 projections' "
                 "above what the switches alone draw for the same activations (paired over the maps)", verdict)


@states("fig2.class_specific")
def class_specific(agreement: Mapping[int, Sequence[float]], untrained_agreement: Mapping[int, Sequence[float]]) -> Claim:
    """Each map's class agreement (share of its top 9 in their most common class), by layer, trained and
    in the same network untrained (the control: mining alone gathers images that share a class as the
    field grows, so only a rise beyond the untrained network's is the network's learning)."""
    verdict, measured = steady(agreement, "positive")
    low, high = min(agreement), max(agreement)
    beyond, text = _beyond_untrained(agreement, untrained_agreement, low, high)
    measured += text
    return Claim("Higher layers are more class-specific", f"class agreement by layer: {measured}",
                 "class agreement rises with the layer (Spearman over every map, p < 0.05), no step down (Welch), and "
                 "from the lowest layer to the highest it rises more than the untrained network's (difference of "
                 "differences, Welch)", every([verdict, direction(beyond, "positive")]))


def _beyond_untrained(trained: Mapping[int, Sequence[float]], untrained: Mapping[int, Sequence[float]], low: int,
                      high: int) -> tuple[Difference, str]:
    """The change from layer `low` to `high` beyond the untrained network's, and its text."""
    beyond = difference_of_differences(trained[high], trained[low], untrained[high], untrained[low])
    change = {name: float(np.mean(values[high]) - np.mean(values[low])) for name, values in
              (("trained", trained), ("untrained", untrained))}
    return beyond, (f"; layer {low} → {high}: trained {change['trained']:+.2f}, untrained {change['untrained']:+.2f}, "
                    f"the difference {beyond.text()}")


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
    beyond, text = _beyond_untrained(similarity, untrained_similarity, low, high)
    measured += text
    return Claim(claim, measured, test, every([verdict, direction(beyond, "negative")]))



@states("fig2.projections_vary_less")
def projections_vary_less(projection_similarity: Mapping[int, Sequence[float]], patch_similarity: Mapping[int, Sequence[float]],
                          switches_similarity: Mapping[int, Sequence[float]]) -> Claim:
    """Per layer given (from 2: a layer-1 projection is its filter), map by map: the similarity of its
    top 9 projections against that of their image patches, and against the switches-only projections'
    (the deconvnet's mechanics alone could make pictures vary less than the patches they come from)."""
    claim = "A map's projections vary less than its image patches, as they keep only the discriminant structure"
    judged = _above_floor(projection_similarity)
    than_patches = {layer: d for layer, d in _paired_per_layer(projection_similarity, patch_similarity).items() if layer in judged}
    than_switches = {layer: d for layer, d in _paired_per_layer(projection_similarity, switches_similarity).items()
                     if layer in judged}
    measured = "; ".join(f"layer {layer}: projections − patches {than_patches[layer].text()}, − switches only "
                         f"{than_switches[layer].text()}" for layer in than_patches)
    measured += _at_floor([layer for layer in projection_similarity if layer not in judged])
    test = ("at every layer from 2 where the projections' similarity is off its floor, the projections' similarity "
            "above their patches' and above the switches-only projections' (paired over the maps)")
    caveat = ("variation is measured as the pixels' correlation, which sparse, signed pictures (projections) reach less "
              "easily than dense patches that share a garment's brightness")
    if not judged:
        return not_testable(claim, f"the projections' similarity is at its floor at every layer: {caveat}", measured, test)
    return Claim(claim, measured, test, every(direction(d, "positive")
                                              for d in [*than_patches.values(), *than_switches.values()]), caveat)


@states("fig2.discriminative_parts")
def discriminative_parts(energy: Mapping[int, Sequence[float]] | None, area: Mapping[int, Sequence[float]] | None,
                         switches_energy: Mapping[int, Sequence[float]] | None,
                         untrained_energy: Mapping[int, Sequence[float]] | None,
                         untrained_area: Mapping[int, Sequence[float]] | None) -> Claim:
    """Per layer given, per map: the share of its projections' energy on the object (the garment, whose
    class is the label; the clutter around it carries none) beyond the share of the fields the object
    covers; against the switches-only projections of the same activations (paired), and against the
    same network untrained, its own top 9 projected through its own switches (Welch over the maps:
    mining alone picks activations whose filters match the garment). None: no object boxes."""
    claim = "Projections exaggerate the discriminative part of the scene: their energy gathers on the garment"
    test = ("at every layer from 2, the projections' share of energy on the garment above the garment's share of the "
            "field, above the switches-only projections' share (paired over the maps), and its excess over the area "
            "above the untrained network's (Welch over the maps)")
    if any(values is None for values in (energy, area, switches_energy, untrained_energy, untrained_area)):
        return not_testable(claim, "this dataset records no object boxes to tell the object from its surroundings",
                            test=test)
    beyond_area, beyond_switches = _paired_per_layer(energy, area), _paired_per_layer(energy, switches_energy)
    excess = {layer: [e - a for e, a in zip(energy[layer], area[layer])] for layer in energy}
    untrained_excess = {layer: [e - a for e, a in zip(untrained_energy[layer], untrained_area[layer])] for layer in energy}
    beyond_untrained = {layer: difference(excess[layer], untrained_excess[layer]) for layer in energy}
    measured = "; ".join(f"layer {layer}: energy on garment − its area {beyond_area[layer].text()}, − switches only "
                         f"{beyond_switches[layer].text()}, excess − untrained's {beyond_untrained[layer].text()}"
                         for layer in beyond_area)
    caveat = ("the paper's example is parts within an object (dogs' eyes and noses); here a garment fits inside a "
              "layer-3 field, so the part that tells the class is the garment against its clutter")
    return Claim(claim, measured, test, every(direction(d, "positive") for d in
                                              [*beyond_area.values(), *beyond_switches.values(), *beyond_untrained.values()]),
                 caveat)
