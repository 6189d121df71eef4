"""Section 4.2 on Fig. 7: "the model is localizing the objects within the scene, as the probability of
the correct class drops significantly when the object is occluded"; (b)/(c) the layer-5 map's activity
drops where the occluder covers what its projection shows; (e) the most probable label switches with
the occluder's position; the caption's "it uses multiple feature maps". Each image is one repeat."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from . import open_control, states
from ..verdicts import Claim, bootstrap, direction, every, not_testable


@states("fig7.localizes")
@open_control("where the context can carry the class, the image the square hides")
def localizes_object(object_minus_context: Sequence[float] | None, context_carries_class: bool) -> Claim:
    """Per image, the mean drop of p(correct) with the square on the object minus the mean drop with the
    square on the context (off the object's box); None where the dataset records no object boxes.
    `context_carries_class`: whether the scenes' context could tell the class at all. Where it cannot
    (clutter drawn independently of the garment), a network has nothing to use but the object, and the
    difference holds by construction: the control that would make it fail does not exist."""
    claim = "The model localizes the object rather than using the context: p(correct) drops more when the object is occluded"
    test = "the mean over the images of (drop on the object − drop on the context) above 0 (bootstrap 95% interval)"
    if object_minus_context is None:
        return not_testable(claim, "this dataset records no object boxes to tell the object from its context", test=test)
    found = bootstrap(object_minus_context)
    measured = f"{len(object_minus_context)} images: {found.text()}"
    if not context_carries_class:
        return not_testable(claim, "the scenes' clutter is drawn independently of the garment's class, so the context "
                                   "cannot carry the class and the object alone can matter by construction", measured, test)
    return Claim(claim, measured, test, direction(found, "positive"))


@states("fig7.map_follows")
def map_follows_projection(projection: Sequence[float], image: Sequence[float]) -> Claim:
    """Per image, the correlation over the square's positions between the layer-5 map's drop and how much
    the square hides of the map's projection (`projection`), and of the image itself (`image`, the
    control: a map that loses activity wherever anything is hidden follows that as well)."""
    shown, control = (np.asarray(values, dtype=np.float64) for values in (projection, image))
    follows, beyond = bootstrap(shown), bootstrap(shown - control)
    return Claim("The layer-5 map's activity drops where the occluder covers what its projection shows",
                 f"{len(shown)} images: correlation with the projection hidden {follows.text()}, with the image hidden "
                 f"{bootstrap(control).text()}; projection − image {beyond.text()}",
                 "the mean correlation with the projection hidden above 0, and above the correlation with the image hidden "
                 "(paired over the images, bootstrap 95% intervals)",
                 every([direction(follows, "positive"), direction(beyond, "positive")]))


@states("fig7.label_switch")
def label_switches(with_other: Sequence[bool] | None, alone: Sequence[bool] | None) -> Claim:
    """Per scene of two garments: whether a square on the garment the network names makes the other
    garment's class the most probable (`with_other`), and the same in the same scene with the named
    garment alone (`alone`, the control: whatever the square does to the network's confusions, without
    another object to switch to); None where the profile composes no such scenes. The paper's case is
    a switch to another object of the scene (the dog's face hidden, "tennis ball")."""
    claim = "Occluding one object can switch the most probable label to another object in the scene"
    test = ("the share of scenes switching to the other garment's class above the share in the same scenes without "
            "it (paired over the scenes, bootstrap 95% interval)")
    if with_other is None or alone is None:
        return not_testable(claim, "this profile composes no scenes of two objects with their boxes", test=test)
    found = bootstrap([float(w) - float(a) for w, a in zip(with_other, alone)])
    return Claim(claim, f"switched to the other garment's class in {sum(with_other)} of {len(with_other)} scenes; in the "
                        f"same scenes without it, to that class in {sum(alone)}; difference {found.text()}",
                 test, direction(found, "positive"))


@states("fig7.several_maps")
@open_control("the strongest map against as many others, not all of them")
def several_maps(drops: Sequence[Sequence[float]]) -> Claim:
    """Per image, the mean drop of log p(correct) when the square reaches the classifier only through the
    strongest layer-5 map, and only through the other maps (`occlusion.drops_through_maps`)."""
    strongest, others = (np.asarray([pair[i] for pair in drops], dtype=np.float64) for i in (0, 1))
    found = bootstrap(others - strongest)
    return Claim("The classifier uses several layer-5 maps: the square matters more through the others than through the strongest",
                 f"{len(drops)} images: mean drop of log p(correct) through the strongest map alone {strongest.mean():.3f}, "
                 f"through the other maps alone {others.mean():.3f}; others − strongest {found.text(digits=3)}",
                 "the mean over the images of (drop through the other maps − drop through the strongest) above 0 "
                 "(bootstrap 95% interval)", direction(found, "positive"))
