"""Section 4.2 on Fig. 7: "the model is localizing the objects within the scene, as the probability of
the correct class drops significantly when the object is occluded"; (b)/(c) the layer-5 map's activity
drops where the occluder covers what its projection shows; (e) the most probable label switches with
the occluder's position. Each probe image is one repeat."""

from __future__ import annotations

from typing import Sequence

from ..verdicts import Claim, Verdict, bootstrap, direction, not_testable, shift

def localizes_object(object_minus_context: Sequence[float] | None) -> Claim:
    """Per image, the mean drop of p(correct) with the square on the object minus the mean drop with the
    square on the context (off the object's box); None where the dataset records no object boxes."""
    claim = "The model localizes the object rather than using the context: p(correct) drops more when the object is occluded"
    test = "the mean over the images of (drop on the object − drop on the context) above 0 (bootstrap 95% interval)"
    if object_minus_context is None:
        return not_testable(claim, "this dataset records no object boxes to tell the object from its context", test=test)
    found = bootstrap(object_minus_context)
    return Claim(claim, f"{len(object_minus_context)} images: {found.text()}", test, direction(found, "positive"))


def map_follows_projection(map_drop_vs_projection: Sequence[float]) -> Claim:
    """Per image, the correlation between the layer-5 map's drop and its projection's energy under the square."""
    found = shift(map_drop_vs_projection)
    return Claim("The layer-5 map's activity drops where the occluder covers what its projection shows",
                 f"per image {', '.join(f'{v:.2f}' for v in map_drop_vs_projection)}; mean {found.text()}",
                 "correlation positive over the images (t-test)", direction(found, "positive"))


def label_switches(switched: Sequence[bool]) -> Claim:
    """Per image, whether a square on the object makes another class the most probable."""
    count = sum(bool(s) for s in switched)
    return Claim("Occluding the object can switch the most probable label to another class",
                 f"the label switches in {count} of {len(switched)} images",
                 "in at least one image (the paper shows examples)",
                 Verdict.REPRODUCED if count else Verdict.NOT_REPRODUCED)
