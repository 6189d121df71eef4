"""Section 4.2 on Fig. 7: "the model is localizing the objects within the scene, as the probability of
the correct class drops significantly when the object is occluded"; (b)/(c) the layer-5 map's activity
drops where the occluder covers what its projection shows; (e) the most probable label switches with
the occluder's position. Each probe image is one repeat."""

from __future__ import annotations

from typing import Mapping, Sequence

from ..verdicts import Claim, Verdict, direction, every, not_testable, shift

FLAT = 0.25  # a background with less than this share of textured pixels holds no context


def localizes_object(drop_vs_coverage: Mapping[str, Sequence[float]], background_texture: float) -> Claim:
    """Per occluder, each image's correlation between the drop of p(correct) and how much of the square
    lies on the object; `background_texture`: the mean share of the pixels off the object that are not
    plain background (`occlusion.background_texture`)."""
    claim = "The model localizes the object rather than using the context: p(correct) drops when the object is occluded"
    results = {name: shift(values) for name, values in drop_vs_coverage.items()}
    measured = "; ".join(f"{name}: per image {', '.join(f'{v:.2f}' for v in values)}"
                         for name, values in drop_vs_coverage.items())
    test = "the drop's correlation with the object's coverage positive over the images (t-test), for each occluder"
    if background_texture < FLAT:
        return not_testable(claim, f"the background is plain ({background_texture:.0%} of it textured): with no context "
                                   f"in the image, the object is all the network can use", measured, test)
    return Claim(claim, measured, test, every(direction(result, "positive") for result in results.values()))


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
