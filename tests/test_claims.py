"""Every claim rule says "not reproduced" on numbers that contradict the paper, "reproduced" on numbers
that bear it out, and "inconclusive" or "not testable" where that is the truth."""

import numpy as np

from zfcompanion.claims import fig2, fig4, fig5, fig6, fig7, table1, table2, table3, table6, table7, transfer
from zfcompanion.verdicts import Difference, Verdict

R, N, I, T = Verdict.REPRODUCED, Verdict.NOT_REPRODUCED, Verdict.INCONCLUSIVE, Verdict.NOT_TESTABLE


def spread(centre, width=0.02, count=8):
    return [centre + width * ((i % 4) - 1.5) for i in range(count)]


# Fig. 2
def test_grouping_needs_every_layer_above_random():
    random = {1: spread(0.0), 2: spread(0.1)}
    untrained, fields = {1: spread(0.3), 2: spread(0.2)}, {1: 7, 2: 19}
    projections, switches = {1: spread(0.6), 2: spread(0.5)}, {1: spread(0.2), 2: spread(0.3)}
    assert fig2.grouping({1: spread(0.8), 2: spread(0.5)}, random, untrained, projections, switches, fields, 64).verdict == R
    assert fig2.grouping({1: spread(0.8), 2: spread(0.0)}, random, untrained, projections, switches, fields, 64).verdict == N
    # above random patches, but no more alike than an untrained network's top 9: mining alone did it
    assert fig2.grouping({1: spread(0.8), 2: spread(0.5)}, random, {1: spread(0.8), 2: spread(0.7)}, projections,
                         switches, fields, 64).verdict == N
    # the projections look alike, but the switches alone draw them as alike: the control, not the filters
    assert fig2.grouping({1: spread(0.8), 2: spread(0.5)}, random, untrained, projections, projections, fields,
                         64).verdict != R
    # random patches are as alike as the top 9: mining found nothing that random patches lack
    assert fig2.grouping({1: spread(0.8), 2: spread(0.5)}, {1: spread(0.8), 2: spread(0.5)}, untrained, projections,
                         switches, fields, 64).verdict != R
    # a layer whose field covers the image is not judged
    assert fig2.grouping({1: spread(0.8), 2: spread(0.0)}, random, untrained, projections, switches, {1: 7, 2: 75},
                         64).verdict == R
    # projections at the measure's floor (they share no pixel layout) are not judged either way
    floor = {1: spread(0.03, 0.005), 2: spread(0.01, 0.005)}
    assert fig2.grouping({1: spread(0.8), 2: spread(0.5)}, random, untrained, floor, {1: spread(0.06, 0.005),
                         2: spread(0.04, 0.005)}, fields, 64).verdict == R


def test_projections_vary_less_than_patches_beyond_what_the_switches_do():
    projections, patches, switches = {2: spread(0.6), 3: spread(0.5)}, {2: spread(0.3), 3: spread(0.3)}, {2: spread(0.2), 3: spread(0.2)}
    assert fig2.projections_vary_less(projections, patches, switches).verdict == R
    assert fig2.projections_vary_less({2: spread(0.1), 3: spread(0.5)}, patches, {2: spread(0.0), 3: spread(0.2)}).verdict == N
    # the control: the switches alone make the pictures as alike, so the filters' "discriminant structure" is not seen
    assert fig2.projections_vary_less(projections, patches, projections).verdict != R
    at_floor = {2: spread(0.02, 0.005), 3: spread(0.01, 0.005)}
    assert fig2.projections_vary_less(at_floor, patches, switches).verdict == T


def test_discriminative_parts_need_energy_on_the_object_beyond_its_area_the_switches_and_untrained():
    energy, area, switches = {2: spread(0.8), 3: spread(0.8)}, {2: spread(0.5), 3: spread(0.4)}, {2: spread(0.6), 3: spread(0.5)}
    untrained, untrained_area = {2: spread(0.6), 3: spread(0.5)}, {2: spread(0.5), 3: spread(0.4)}
    assert fig2.discriminative_parts(energy, area, switches, untrained, untrained_area).verdict == R
    assert fig2.discriminative_parts({2: spread(0.3), 3: spread(0.8)}, area, {2: spread(0.2), 3: spread(0.5)}, untrained,
                                     untrained_area).verdict == N
    # the controls: the image's switches alone put as much energy on the object; or an untrained network's
    # mined projections gather there as much (mining picks activations whose filters match the garment)
    assert fig2.discriminative_parts(energy, area, energy, untrained, untrained_area).verdict != R
    assert fig2.discriminative_parts(energy, area, switches, energy, area).verdict != R
    assert fig2.discriminative_parts(None, None, None, None, None).verdict == T


def test_class_specificity_rises_steadily_with_the_layer():
    rising, flat = {1: spread(0.3), 2: spread(0.5), 3: spread(0.7)}, {1: spread(0.3), 2: spread(0.3), 3: spread(0.35)}
    assert fig2.class_specific(rising, flat).verdict == R
    assert fig2.class_specific({1: spread(0.7), 2: spread(0.5), 3: spread(0.3)}, flat).verdict == N
    assert fig2.class_specific({1: spread(0.3), 2: spread(0.6), 3: spread(0.9), 4: spread(0.5)},
                               {**flat, 4: spread(0.35)}).verdict == N
    # the control: the untrained network's top 9 gain class agreement as much, from mining alone
    assert fig2.class_specific(rising, rising).verdict != R


def test_invariance_judges_the_whole_trend_and_only_layers_inside_the_image():
    fields = {1: 7, 2: 15, 3: 25, 4: 40, 5: 60}
    falling = {1: spread(0.9), 2: spread(0.7), 3: spread(0.5), 4: spread(0.6), 5: spread(0.8)}
    flat = {layer: spread(0.5) for layer in fields}  # an untrained network whose top 9 do not change with the field
    assert fig2.invariance(falling, flat, fields, 64).verdict == N  # the ends alone would say "falls"
    assert fig2.invariance(falling, flat, fields, 32).verdict == R  # layers 4 and 5 cover a 32-px image: left out
    assert fig2.invariance({1: spread(0.9), 2: spread(0.7), 3: spread(0.5)}, flat, fields, 32).verdict == R
    claim = fig2.invariance(falling, flat, fields, 20)  # only layers 1 and 2 lie inside a 20-px image
    assert claim.verdict == T and "3, 4, 5" in claim.caveat


def test_invariance_must_beat_the_untrained_networks_fall():
    """The control: an untrained network's top 9 look less alike as the field grows, without learning."""
    fields, trained = {1: 7, 2: 15, 3: 25}, {1: spread(0.9), 2: spread(0.7), 3: spread(0.5)}
    assert fig2.invariance(trained, {1: spread(0.6), 2: spread(0.55), 3: spread(0.5)}, fields, 64).verdict == R
    claim = fig2.invariance(trained, {1: spread(0.9), 2: spread(0.7), 3: spread(0.5)}, fields, 64)
    assert claim.verdict != R and "untrained -0.40" in claim.measured


# Fig. 4
def test_lower_layers_settle_early():
    moved = {1: [0.1, 0.2, 0.0, 0.15], 2: [0.3, 0.1, 0.2, 0.25]}  # untrained maps far from their last look
    assert fig4.lower_layers_early({1: [1, 1, 2, 3], 2: [2, 3, 1, 5]}, 20, moved, 0.8).verdict == R
    assert fig4.lower_layers_early({1: [8, 10, 12, 9], 2: [2, 3, 1, 5]}, 20, moved, 0.8).verdict == N
    # layer 1 alone is not "the lower layers": a layer-1 projection is its filter whatever the image
    claim = fig4.lower_layers_early({1: [1, 1, 1, 1], 2: [None, None, 18, None]}, 20, moved, 0.8)
    assert claim.verdict == N and "3 of 4 not settled by epoch 20" in claim.measured


def test_lower_layers_that_never_needed_to_change_have_not_converged():
    """The control: the untrained network already draws each map's last picture on its image (the
    switches do), so settling from the first snapshot is no convergence."""
    early = {1: [1, 1, 2, 3], 2: [2, 3, 1, 5]}
    claim = fig4.lower_layers_early(early, 20, {1: [0.1, 0.2, 0.0, 0.15], 2: [0.9, 0.95, 0.85, 0.92]}, 0.8)
    assert claim.verdict == N and "untrained similarity" in claim.measured
    assert fig4.lower_layers_early(early, 20, {1: [0.1, 0.2, 0.0, 0.15], 2: [0.5, 0.95, 0.75, 0.92]}, 0.8).verdict == I


def test_upper_layers_settle_late_and_significantly_later():
    lower = [1, 1, 2, 1, 1, 2]
    assert fig4.upper_layers_late(lower, [14, 18, 20, 16, 15, 12], 20).verdict == R
    assert fig4.upper_layers_late(lower, [3, 5, 4, 6, 4, 5], 20).verdict == N  # later, but early in training
    assert fig4.upper_layers_late([5, 1, 12, 2], [11, 18, 2, 16], 20).verdict in (I, N)
    # the control: layer 1 settles as late as the top layer, so late settling is not the top layer's
    assert fig4.upper_layers_late([15, 17, 19, 16, 14, 13], [14, 18, 20, 16, 15, 12], 20).verdict == I


def test_a_map_that_never_settles_is_censored_not_settled_at_the_end():
    claim = fig4.upper_layers_late([1, 1, 2, 1, 1, 2], [None, None, None, 16, None, None], 20)
    assert claim.verdict == R and "median not settled by epoch 20" in claim.measured
    # the control: on fixed images the top layer settles as early as layer 1; only a change of image moved it
    assert fig4.upper_layers_late([1, 1, 2, 1, 1, 2], [1, 2, 1, 1, 2, 1], 20).verdict != R


def test_jumps_come_with_a_change_of_image():
    assert fig4.jumps_follow_image_changes([0.6, 0.7, 0.5, 0.8], [0.1, 0.05, 0.2, 0.1]).verdict == R
    # the control: projections change as much when the image stays, so the jumps are not the image's
    assert fig4.jumps_follow_image_changes([0.3, 0.1, 0.2, 0.25], [0.25, 0.2, 0.1, 0.3]).verdict == I
    assert fig4.jumps_follow_image_changes([0.6, 0.7, 0.5, 0.8], [0.65, 0.6, 0.55, 0.75]).verdict == I  # jumps as large


# Fig. 5
def _distances(layer1: list[float], layer7: list[float]) -> dict[str, list[float]]:
    return {"layer 1": layer1, "layer 7": layer7}


def test_first_layer_moves_more_uses_every_image():
    untrained = _distances([0.5, 0.6, 0.5, 0.6], [0.4, 0.5, 0.45, 0.5])  # layer 1 a little ahead
    assert fig5.first_layer_moves_more("scale", _distances([0.5, 0.6, 0.55, 0.7], [0.1, 0.12, 0.1, 0.15]), untrained).verdict == R
    assert fig5.first_layer_moves_more("scale", _distances([0.1, 0.12, 0.1, 0.15], [0.2, 0.25, 0.2, 0.3]), untrained).verdict == N
    assert fig5.first_layer_moves_more("scale", _distances([0.5, 0.1, 0.4, 0.1], [0.2, 0.25, 0.2, 0.3]), untrained).verdict == I


def test_first_layer_moves_more_than_in_the_untrained_network():
    """The control: pooling alone makes the untrained network's layer 7 as calm, so layer 1's lead is
    not the training's."""
    trained = _distances([0.5, 0.6, 0.55, 0.7], [0.2, 0.25, 0.2, 0.3])
    claim = fig5.first_layer_moves_more("scale", trained, trained)
    assert claim.verdict == I and "trained minus untrained" in claim.measured
    calmer = _distances([0.5, 0.6, 0.55, 0.7], [0.05, 0.06, 0.05, 0.08])
    assert fig5.first_layer_moves_more("scale", trained, calmer).verdict == N


def test_output_stability_and_rotation_are_judged_over_the_images():
    named, blind, elsewhere = [True] * 6, [0.0] * 6, [False] * 6  # another class's image keeps nothing
    assert fig5.output_stable("scale", [0.95, 1.0, 0.9, 1.0, 0.95, 1.0], named, blind).verdict == R
    assert fig5.output_stable("scale", [0.6, 0.5, 0.7, 0.6, 0.55, 0.65], named, blind).verdict == N
    # a mean above the bar carried by a few images, with the rest far below: within the noise
    assert fig5.output_stable("scale", [1.0, 1.0, 1.0, 0.2, 1.0, 0.5], named, blind).verdict == I
    assert fig5.rotation_not_invariant([0.3, 0.2, 0.35, 0.25, 0.3, 0.4], named, elsewhere).verdict == R
    assert fig5.rotation_not_invariant([0.9, 1.0, 0.95, 0.85, 0.9, 1.0], named, elsewhere).verdict == N


def test_only_images_named_correctly_untransformed_count():
    # the control: a network that names almost no image correctly keeps nothing under any rotation, and
    # looks "not invariant" without any rotation having been tried
    guesser = fig5.rotation_not_invariant([0.0] * 5 + [0.9], [False] * 5 + [True], [False] * 6)
    assert guesser.verdict == I and "1 of 6 images" in guesser.measured
    # images wrong from the start no longer pull a stable output below the bar
    kept, named = [0.0, 0.0, 0.95, 1.0, 0.9, 1.0, 0.95, 1.0], [False, False] + [True] * 6
    assert fig5.output_stable("scale", kept, named, [0.0] * 8).verdict == R
    assert fig5.rotation_not_invariant([0.0, 0.0, 0.9, 1.0, 0.95, 0.85], named[:6], [False] * 6).verdict == N


def test_a_network_blind_to_the_image_is_neither_stable_nor_rotation_sensitive():
    """The control: a network that answers one class whatever it is shown names that class's images,
    keeps them at every step (stable), and keeps the class when shown another class's image too."""
    named = [True] * 6 + [False] * 54
    kept = [1.0] * 6 + [0.0] * 54
    assert fig5.output_stable("scale", kept, named, kept).verdict == I
    # a guesser right by chance on a few images, at chance over the turn: it names other images as often
    chance = [0.1, 0.15, 0.05, 0.2, 0.1, 0.12] + [0.1] * 54
    assert fig5.rotation_not_invariant(chance, named, named).verdict == I


def test_the_top_layer_is_quasilinear_beyond_the_untrained_network():
    line, jump = [0.95, 0.97, 0.9, 0.96], [0.4, 0.5, 0.3, 0.45]
    assert fig5.top_layer_quasilinear("scale", {"layer 7": line, "layer 1": jump, "untrained layer 7": jump}).verdict == R
    assert fig5.top_layer_quasilinear("scale", {"layer 7": jump, "layer 1": line, "untrained layer 7": jump}).verdict == N
    # the controls: layer 1's curves are as straight, or pooling alone makes the untrained layer 7 as straight
    assert fig5.top_layer_quasilinear("scale", {"layer 7": line, "layer 1": [0.97, 0.9, 0.96, 0.92],
                                                "untrained layer 7": jump}).verdict == I
    smooth = [0.93, 0.98, 0.91, 0.95]
    assert fig5.top_layer_quasilinear("scale", {"layer 7": line, "layer 1": jump, "untrained layer 7": smooth}).verdict == I


def test_symmetric_objects_keep_their_class():
    symmetry = [0.1, 0.3, 0.5, 0.75, 0.9, 0.95, 0.2, 0.8]
    assert fig5.symmetric_objects_excepted(symmetry, [0.1, 0.2, 0.2, 0.8, 0.9, 1.0, 0.15, 0.85]).verdict == R
    assert fig5.symmetric_objects_excepted(symmetry, [1.0, 0.8, 0.9, 0.2, 0.1, 0.15, 0.85, 0.2]).verdict == N
    # the control: the images that are not symmetric keep their class as well under rotation
    assert fig5.symmetric_objects_excepted(symmetry, [0.9, 0.85, 0.95, 0.9, 0.85, 0.95, 0.9, 0.9]).verdict == I
    # the control: no image looks like its own rotations, so there is no exception to test
    claim = fig5.symmetric_objects_excepted([0.1, 0.3, 0.5, 0.2], [0.1, 0.9, 0.2, 0.8])
    assert claim.verdict == T and "0 of 4 images symmetric" in claim.measured


# Fig. 6
def test_dominance():
    assert fig6.one_feature_dominates(ratio(3.5), ratio(1.0)).verdict == R
    assert fig6.one_feature_dominates(ratio(1.5), ratio(1.0)).verdict == N
    assert fig6.one_feature_dominates(ratio(2.5, 1.7), ratio(1.0)).verdict == I  # one outsize filter: its interval reaches 2
    # the control: the clipped network has a dominant filter too, so dominance is not clipping's absence
    assert fig6.one_feature_dominates(ratio(3.5), ratio(3.0)).verdict == N


def ratio(value: float, low: float | None = None) -> Difference:
    """A largest/median ratio with a bootstrap-like interval (low to value + 0.1)."""
    return Difference(value, value - 0.1 if low is None else low, value + 0.1, 0.0, 32)


def test_dead_features_are_not_testable_without_any():
    assert fig6.fewer_dead_features(12, 2, 0, 4).verdict == R
    assert fig6.fewer_dead_features(3, 5, 0, 4).verdict == N
    assert fig6.fewer_dead_features(0, 0, 0, 2).verdict == T
    assert fig6.fewer_dead_features(0, 0, 0, 4).verdict == N  # the paper's stride, and still no dead maps
    # the control: AlexNet's maps were as dead before training, so the stride's training did not kill them
    assert fig6.fewer_dead_features(12, 2, 12, 4).verdict == N


def test_aliasing_is_judged_against_untrained_filters_in_one_band():
    untrained = spread(93.0, 1.0)
    claim = fig6.less_aliasing(spread(70.0, 1.0), untrained, spread(40.0, 1.0), untrained, 4)
    assert claim.verdict == R and not claim.papers  # this project's reading, not a sentence of the paper
    assert fig6.less_aliasing(spread(40.0, 1.0), untrained, spread(70.0, 1.0), untrained, 4).verdict == N
    # the control: ZF's filters hold less in the band only because its untrained filters already did
    assert fig6.less_aliasing(spread(70.0, 1.0), spread(93.0, 1.0), spread(40.0, 1.0), spread(63.0, 1.0), 4).verdict == I


def test_cleaner_layer2():
    assert fig6.cleaner_layer2(spread(5.0), spread(2.0), spread(3.0), spread(3.0), 4, 2).verdict == R
    assert fig6.cleaner_layer2(spread(2.0), spread(5.0), spread(3.0), spread(3.0), 4, 2).verdict == N
    # the control: the untrained networks' projections differ as much, so training made no difference
    assert fig6.cleaner_layer2(spread(5.0), spread(2.0), spread(5.0), spread(2.0), 4, 2).verdict != R


# Fig. 7
def test_localization_compares_the_object_with_its_context():
    assert fig7.localizes_object([0.4, 0.5, 0.45, 0.6, 0.3, 0.35], True).verdict == R
    assert fig7.localizes_object([-0.4, -0.5, -0.45, -0.6, -0.3, -0.35], True).verdict == N
    assert fig7.localizes_object([0.4, -0.5, 0.45, -0.6, 0.3, -0.1], True).verdict == I
    assert fig7.localizes_object(None, True).verdict == T
    # where the context cannot carry the class, the object alone matters by construction: no verdict
    assert fig7.localizes_object([0.4, 0.5, 0.45, 0.6, 0.3, 0.35], False).verdict == T


def test_map_follows_projection_and_label_switches():
    follows, blind = [0.5, 0.6, 0.4, 0.55, 0.45, 0.5], [0.1, 0.2, 0.0, 0.15, 0.05, 0.1]
    assert fig7.map_follows_projection(follows, blind).verdict == R
    assert fig7.map_follows_projection([-v for v in follows], blind).verdict == N
    # the control: the map follows the image hidden as well as its projection, which then adds nothing
    assert fig7.map_follows_projection(follows, follows).verdict == I
    assert fig7.map_follows_projection(follows, [v + 0.2 for v in follows]).verdict == N
    switched = [True, True, False, True, True, False, True, True]
    assert fig7.label_switches(switched, [False] * 8).verdict == R
    assert fig7.label_switches([False] * 8, switched).verdict == N
    # the control: the square switches the label to that class just as often with the other garment gone
    assert fig7.label_switches(switched, switched).verdict == I
    assert fig7.label_switches(None, None).verdict == T


def test_several_maps_need_the_others_to_carry_more_of_the_drop_than_the_strongest():
    assert fig7.several_maps([(0.01, 0.05 + 0.01 * (i % 3)) for i in range(20)]).verdict == R
    assert fig7.several_maps([(0.05 + 0.01 * (i % 3), 0.01) for i in range(20)]).verdict == N
    # a square that matters no more through the others than through the strongest map: within the noise
    assert fig7.several_maps([(0.03 + 0.01 * (i % 3), 0.03 + 0.01 * ((i + 1) % 3)) for i in range(21)]).verdict == I


# Table 1
def pair_scores(part: float, random: float, images: int = 30, noise: float = 0.004, seed: int = 0) -> np.ndarray:
    """Sign distances among `images` occluded at a part (scores about `part`) and at random squares
    (about `random`), each image's pairs jittered by its own and the pair's noise."""
    rng = np.random.default_rng(seed)
    level = np.block([[np.full((images, images), part), np.full((images, images), (part + random) / 2)],
                      [np.full((images, images), (part + random) / 2), np.full((images, images), random)]])
    own = rng.normal(0, noise, 2 * images)
    noisy = level + own[:, None] + own[None] + rng.normal(0, noise, level.shape)
    noisy = (noisy + noisy.T) / 2
    np.fill_diagonal(noisy, 0.0)
    return noisy


def scored(layers: dict[str, dict[str, tuple[float, float]]]) -> dict[str, dict[str, np.ndarray]]:
    return {layer: {part: pair_scores(*levels, seed=i) for i, (part, levels) in enumerate(parts.items())}
            for layer, parts in layers.items()}


def test_correspondence_tests_each_part_against_random_and_the_untrained_network():
    trained = scored({"layer 5": {"eye": (0.06, 0.10), "nose": (0.07, 0.10)}})
    untrained = scored({"layer 5": {"eye": (0.40, 0.41), "nose": (0.40, 0.41)}})
    assert table1.layer5_correspondence(trained, untrained, 4.0, 28).verdict == R
    ear = scored({"layer 5": {"ear": (0.14, 0.10)}})["layer 5"]
    assert table1.layer5_correspondence({"layer 5": {**trained["layer 5"], **ear}},
                                        {"layer 5": {**untrained["layer 5"], **ear}}, 4.0, 28).verdict == N
    assert table1.layer5_correspondence(trained, untrained, 1.5, 28).verdict == T
    # the control: the untrained network's parts stand out from random as much; the images do it, not the model
    alike = scored({"layer 5": {"eye": (0.24, 0.40), "nose": (0.28, 0.40)}})
    assert table1.layer5_correspondence(trained, alike, 4.0, 28).verdict != R


def test_layer7_similarity_is_judged_per_part_and_against_the_untrained_network():
    trained = scored({"layer 5": {"toe": (0.06, 0.10), "heel": (0.07, 0.10)},
                      "layer 7": {"toe": (0.16, 0.17), "heel": (0.165, 0.17)}})
    untrained = scored({"layer 5": {"toe": (0.40, 0.41), "heel": (0.40, 0.41)},
                        "layer 7": {"toe": (0.40, 0.41), "heel": (0.40, 0.41)}})
    assert table1.layer7_more_similar(trained, untrained, 4.0, 28).verdict == R
    # the heel's gap grows at layer 7: one part is not averaged away by the other
    grows = scored({"layer 5": {"toe": (0.06, 0.10), "heel": (0.07, 0.10)},
                    "layer 7": {"toe": (0.16, 0.17), "heel": (0.10, 0.17)}})
    assert table1.layer7_more_similar(grows, untrained, 4.0, 28).verdict == N
    # the control: an untrained network whose gaps shrink as much
    shrinks = scored({"layer 5": {"toe": (0.24, 0.40), "heel": (0.28, 0.40)},
                      "layer 7": {"toe": (0.39, 0.41), "heel": (0.40, 0.41)}})
    assert table1.layer7_more_similar(trained, shrinks, 4.0, 28).verdict != R


# Table 2
def test_replication_is_not_testable_without_a_published_number():
    assert table2.replication_matches(18.15, 5, 18.2, 0.1).verdict == R
    assert table2.replication_matches(19.0, 5, 18.2, 0.1).verdict == N
    assert table2.replication_matches(7.3, 2, None, 0.1).verdict == T


def test_single_networks_are_compared_seed_against_seed():
    alexnet = spread(20.0, 0.3, 3)
    assert table2.fig3_beats_alexnet(spread(18.0, 0.3, 5), alexnet).verdict == R
    assert table2.fig3_beats_alexnet(spread(22.0, 0.3, 5), alexnet).verdict == N
    assert table2.fig3_beats_alexnet([19.0, 21.5, 18.5, 22.0, 19.5], alexnet).verdict == I
    # the control: AlexNet's own seeds do as well
    assert table2.fig3_beats_alexnet(spread(18.0, 0.3, 5), spread(18.0, 0.3, 3)).verdict == I
    assert table2.wider_helps(spread(17.0, 0.3, 3), spread(18.0, 0.3, 5)).verdict == R
    assert table2.wider_helps(spread(19.0, 0.3, 3), spread(18.0, 0.3, 5)).verdict == N
    # the control: the Fig. 3 network's own seeds reach the wider network's error
    assert table2.wider_helps(spread(17.0, 0.3, 3), spread(17.0, 0.3, 5)).verdict == I


def test_ensemble_gain_and_the_combination():
    members = [18.0, 18.4, 18.2, 18.6, 18.1]
    gains = np.array([0.0] * 80 + [20.0] * 15 + [-20.0] * 5)  # per image: a miss of the members' − the ensemble's
    tied = np.array([0.0] * 80 + [20.0] * 10 + [-20.0] * 10)
    assert table2.ensemble_gain({"over the members' mean": gains, "over the best member": gains}, members).verdict == R
    assert table2.ensemble_gain({"over the members' mean": -gains, "over the best member": -gains}, members).verdict == N
    assert table2.ensemble_gain({"over the members' mean": tied, "over the best member": tied}, members).verdict == I
    # the control: averaging alone beats the members' mean; the best member does as well as the ensemble
    claim = table2.ensemble_gain({"over the members' mean": gains, "over the best member": tied}, members)
    assert claim.verdict == I and "over the best member" in claim.measured
    rows = {"AlexNet": 20.0, "(a)": 17.2, "(b)": 17.8}
    assert table2.combination_best(16.8, rows, 0.1).verdict == R
    assert table2.combination_best(17.6, rows, 0.1).verdict == N
    assert table2.combination_best(17.15, rows, 0.1).verdict == I


# Table 3
def ablation(**changes):
    errors = {"base": spread(40.0, 0.4, 3)}
    return errors | {variant.replace("_", "-"): spread(40.0 + change, 0.4, 3) for variant, change in changes.items()}


def test_depth_matters():
    assert table3.depth_matters(ablation(no_conv34=4.9, no_fc67=4.3, no_conv34_fc67=30.8), 83.3).verdict == R
    assert table3.depth_matters(ablation(no_conv34=4.9, no_fc67=4.3, no_conv34_fc67=6.0), 83.3).verdict == N


def test_seeds_that_failed_to_train_are_counted_apart_not_read_as_depth():
    errors = ablation(no_conv34=0.3, no_fc67=0.2, no_conv34_fc67=0.5)
    # the control: seeds that never trained sit at chance whatever the depth, an optimisation failure
    errors["no-conv34-fc67"] = [40.6, 83.3, 83.1]  # one seed trained like the others, two stayed at chance
    claim = table3.depth_matters(errors, 83.3)
    assert claim.verdict != R and "2 of 3 seeds failed to train" in claim.measured


def test_hurts_little_fails_when_the_change_helps():
    assert table3.fc_removal_slight(ablation(no_fc67=2.0), 83.3).verdict == R
    assert table3.fc_removal_slight(ablation(no_fc67=0.0), 83.3).verdict != R  # no increase is not a slight increase
    assert table3.fc_removal_slight(ablation(no_fc67=-4.0), 83.3).verdict == N  # helps
    assert table3.fc_removal_slight(ablation(no_fc67=20.0), 83.3).verdict == N  # hurts a lot
    # the control: networks at a guesser's error (chance at 41 %) move a little whatever is removed
    assert table3.fc_removal_slight(ablation(no_fc67=2.0), 41.0).verdict == I


def test_conv_removal_small_and_fc7_harmless():
    assert table3.conv_removal_small(ablation(no_conv34=2.0), 83.3).verdict == R
    assert table3.conv_removal_small(ablation(no_conv34=25.0), 83.3).verdict == N
    assert table3.fc7_removal_harmless(ablation(no_fc7=-1.0), 83.3).verdict == R
    assert table3.fc7_removal_harmless(ablation(no_fc7=3.0), 83.3).verdict == N
    # the control: networks that never trained (a guesser's error at 40 %) differ little whatever is removed
    assert table3.conv_removal_small(ablation(no_conv34=0.1), 41.0).verdict == I
    assert table3.fc7_removal_harmless(ablation(no_fc7=-1.0), 41.0).verdict == I


def test_fc_size_and_wider_conv():
    assert table3.fc_size_little({"alexnet": ablation(fc_half=0.5, fc_double=-0.3)}, 83.3).verdict == R
    assert table3.fc_size_little({"alexnet": ablation(fc_half=6.0, fc_double=-0.3)}, 83.3).verdict == N
    # the control: networks that never trained (a guesser's error at 40 %) differ little whatever the size
    assert table3.fc_size_little({"alexnet": ablation(fc_half=0.5, fc_double=-0.3)}, 41.0).verdict == I
    assert table3.wider_conv_helps(ablation(wide_conv345=-2.0)).verdict == R
    assert table3.wider_conv_helps(ablation(wide_conv345=2.0)).verdict == N
    # the control: the same network unwidened does as well, within its seeds' noise
    assert table3.wider_conv_helps(ablation(wide_conv345=-0.1)).verdict == I


def test_overfitting_needs_a_network_that_can_overfit():
    val = ablation(wide_conv345_fc_double=-0.1)
    train = {"base": spread(35.0, 0.4, 3), "wide-conv345-fc-double": spread(12.0, 0.4, 3)}
    assert table3.wide_everything_overfits(train, val).verdict == R
    train["wide-conv345-fc-double"] = spread(39.0, 0.4, 3)
    assert table3.wide_everything_overfits(train, val).verdict == N
    one_epoch = {"base": val["base"], "wide-conv345-fc-double": val["wide-conv345-fc-double"]}  # train = val
    assert table3.wide_everything_overfits(one_epoch, val).verdict == T
    # the control: the unchanged network's gap between train and validation error is as large
    train = {"base": spread(35.0, 0.4, 3), "wide-conv345-fc-double": [34.4, 34.6, 35.2]}
    assert table3.wide_everything_overfits(train, val).verdict == I


# Tables 4 and 5
def test_pretrained_beats_baseline_at_every_size():
    pretrained = {15: spread(80.0, 1.0, 5), 30: spread(85.0, 1.0, 5)}
    assert transfer.beats_baseline(pretrained, {15: spread(70.0, 1.0, 5), 30: spread(75.0, 1.0, 5)}).verdict == R
    assert transfer.beats_baseline(pretrained, {15: spread(70.0, 1.0, 5), 30: spread(90.0, 1.0, 5)}).verdict == N


def test_scratch_far_worse_and_few_beat_many():
    pretrained = {45: spread(70.0, 1.0, 5)}
    assert transfer.scratch_far_worse(pretrained, {45: spread(30.0, 1.0, 5)}).verdict == R
    assert transfer.scratch_far_worse(pretrained, {45: spread(69.0, 1.0, 5)}).verdict == N
    assert transfer.few_beat_many(spread(60.0, 1.0, 5), spread(55.0, 1.0, 5), 6, 60).verdict == R
    assert transfer.few_beat_many(spread(50.0, 1.0, 5), spread(55.0, 1.0, 5), 6, 60).verdict == N
    # the control: the leading method with ten times the images does as well
    assert transfer.few_beat_many(spread(55.0, 1.0, 5), spread(55.0, 1.0, 5), 6, 60).verdict == I


# Table 6
def test_competitive_reads_our_own_mean_ap():
    baselines = {"[A]": [70.0, 72.0, 68.0, 71.0, 69.0], "[B]": [78.0, 80.0, 76.0, 79.0, 77.0]}
    assert table6.competitive([76.0, 77.5, 73.0, 76.5, 74.5], baselines, 3.2).verdict == R  # about 2 points below
    assert table6.competitive([45.0, 47.0, 44.0, 48.0, 46.0], baselines, 3.2).verdict == N  # far below
    # the control: the leading method alone, matched within the noise: not the paper's few points below
    assert table6.competitive([78.5, 79.5, 76.5, 78.5, 77.5], baselines, 3.2).verdict == I
    # above the leading method is not the paper's "generalized less well", whatever the margin
    claim = table6.competitive([88.0, 90.0, 86.0, 89.0, 87.0], baselines, 3.2)
    assert claim.verdict == N and "above the leading stand-in" in claim.measured


def test_a_class_is_won_beyond_the_noise_of_the_test_images():
    def margins(*found: tuple[float, float, float, float]) -> dict[str, Difference]:
        return {f"class {k}": Difference(*values, repeats=200) for k, values in enumerate(found)}

    tie, behind = (1.0, -2.0, 4.0, 0.4), (-9.0, -12.0, -6.0, 0.0002)
    assert table6.wins_some_classes(margins((6.0, 3.0, 9.0, 0.0002), tie, behind)).verdict == R
    assert table6.wins_some_classes(margins(behind, behind, behind)).verdict == N
    # the control: ahead on every class by chance, as a copy of the leading method with noise would be
    ties = table6.wins_some_classes(margins(tie, tie, (2.0, -0.5, 4.5, 0.1)))
    assert ties.verdict == I and "ahead of every other method on 3 of 3 classes; beyond the noise on 0" in ties.measured
    # Holm across the classes: a p of 0.02 is a win alone, not among five classes
    assert table6.wins_some_classes(margins((3.0, 0.5, 5.5, 0.02))).verdict == R
    assert table6.wins_some_classes(margins((3.0, 0.5, 5.5, 0.02), tie, tie, tie, tie)).verdict == I


# Table 7
def test_deeper_is_better():
    rising = {1: spread(40.0, 1.0, 5), 3: spread(60.0, 1.0, 5), 5: spread(75.0, 1.0, 5), 7: spread(80.0, 1.0, 5)}
    falling = {1: spread(80.0, 1.0, 5), 3: spread(60.0, 1.0, 5), 5: spread(50.0, 1.0, 5), 7: spread(40.0, 1.0, 5)}
    flat = {1: [50.0, 51.0, 49.0, 50.0, 51.0], 3: [51.0, 50.0, 50.0, 49.0, 52.0], 5: [49.0, 52.0, 50.0, 51.0, 50.0],
            7: [50.0, 50.0, 49.5, 50.0, 50.0]}  # each split's ρ near 0, one way or the other
    assert table7.deeper_is_better({"cal": rising}, {"cal": flat}).verdict == R
    assert table7.deeper_is_better({"cal": falling}, {"cal": flat}).verdict == N
    # the control: the untrained network's features rise with the layer as much, so the rise is not learned
    assert table7.deeper_is_better({"cal": rising}, {"cal": rising}).verdict != R
    assert table7.deeper_is_better({"cal": flat}, {"cal": rising}).verdict != R
    # one dataset at two sizes is one claim: a rise at one size does not outvote a fall at the other
    merged = table7.deeper_is_better({"cal, 30/class": rising, "cal, 60/class": falling},
                                     {"cal, 30/class": flat, "cal, 60/class": flat})
    assert merged.verdict == N and "30/class; cal, 60/class" in merged.claim


def test_svm_like_softmax():
    svm, untrained = {"cal": [80.0, 81.0, 79.5, 80.5, 80.2]}, {"cal": [50.0, 51.5, 49.0, 50.5, 50.0]}
    assert table7.svm_like_softmax(svm, {"cal": [80.2, 80.9, 79.6, 80.3, 80.4]}, untrained).verdict == R
    assert table7.svm_like_softmax(svm, {"cal": [70.0, 71.0, 69.5, 70.5, 70.2]}, untrained).verdict == N
    # the control: both classifiers at the untrained network's level, where any two classifiers agree
    assert table7.svm_like_softmax(untrained, {"cal": [50.2, 51.3, 49.1, 50.3, 50.2]}, untrained).verdict != R


def test_layer7_gain_on_the_harder_set():
    easy = (spread(86.0, 0.5, 5), spread(85.8, 0.5, 5))
    assert table7.layer7_gain_on_harder_set(easy, (spread(65.0, 0.5, 5), spread(72.0, 0.5, 5))).verdict == R
    assert table7.layer7_gain_on_harder_set((spread(70.0, 0.5, 5), spread(85.0, 0.5, 5)),
                                            (spread(65.0, 0.5, 5), spread(72.0, 0.5, 5))).verdict == N
    assert table7.layer7_gain_on_harder_set(easy, (spread(65.0, 0.5, 5), spread(72.0, 0.5, 5)), same_dataset=True).verdict == T


def test_single_runs_are_inconclusive_not_an_error():
    """The paper profile trains one network per change: no noise estimate, so no verdict either way."""
    single = {variant: [value] for variant, value in
              {"base": 40.5, "no-fc7": 40.0, "no-conv34": 45.4, "no-fc67": 44.8, "no-conv34-fc67": 71.3}.items()}
    assert table3.fc7_removal_harmless(single, 83.3).verdict == I
    assert table3.depth_matters(single, 99.9).verdict == I
    train = {"base": [35.1], "wide-conv345-fc-double": [10.0]}
    assert table3.wide_everything_overfits(train, {"base": [40.5], "wide-conv345-fc-double": [38.3]}).verdict == I


def test_mid_frequencies_are_judged_against_untrained_filters():
    untrained = spread(33.0, 1.0)
    assert fig6.alexnet_misses_mid_frequencies(spread(10.0, 1.0), untrained, spread(25.0, 1.0), untrained, (1 / 6, 1 / 3)).verdict == R
    assert fig6.alexnet_misses_mid_frequencies(spread(25.0, 1.0), untrained, spread(10.0, 1.0), untrained, (1 / 6, 1 / 3)).verdict == N
    # the control: AlexNet's filters hold less of the band only because its untrained ones already did
    assert fig6.alexnet_misses_mid_frequencies(spread(10.0, 1.0), spread(18.0, 1.0), spread(25.0, 1.0), spread(33.0, 1.0),
                                               (1 / 6, 1 / 3)).verdict == I


def test_clipping_crucial_needs_several_networks_of_each():
    assert fig6.clipping_crucial([8.05], [7.63]).verdict == I  # one network each: no noise estimate
    assert fig6.clipping_crucial([8.1, 8.3, 8.0, 8.4], [7.6, 7.7, 7.5, 7.65]).verdict == R
    assert fig6.clipping_crucial([7.6, 7.7, 7.5, 7.65], [8.1, 8.3, 8.0, 8.4]).verdict == N
    # the control: the clipped networks err as much
    assert fig6.clipping_crucial([8.1, 8.3, 8.0, 8.4], [8.2, 8.0, 8.4, 8.1]).verdict == I


def test_dominance_during_training_needs_the_unclipped_runs_snapshots():
    by_epoch = lambda *values: {epoch: ratio(v) for epoch, v in zip((1, 5, 10), values)}
    assert fig6.dominates_during_training(by_epoch(3.0, 4.0, 3.5), by_epoch(1.1, 1.2, 1.1)).verdict == R
    assert fig6.dominates_during_training(by_epoch(1.3, 1.4, 3.5), by_epoch(1.1, 1.2, 1.1)).verdict == N
    # the control: the clipped run's filters dominate as much
    assert fig6.dominates_during_training(by_epoch(3.0, 4.0, 3.5), by_epoch(3.0, 4.0, 3.5)).verdict == N
    assert fig6.dominates_during_training(None, {1: ratio(1.1)}).verdict == T
    assert fig6.dominates_during_training({24: ratio(1.4)}, {1: ratio(1.1), 24: ratio(1.1)}).verdict == T  # the final weights alone




def test_the_harder_set_needs_a_harder_dataset():
    assert transfer.harder_set_larger_margin(spread(2.0, 0.5, 5), spread(8.0, 0.5, 5)).verdict == R
    assert transfer.harder_set_larger_margin(spread(8.0, 0.5, 5), spread(2.0, 0.5, 5)).verdict == N
    # the control: the easier set's margin is as large
    assert transfer.harder_set_larger_margin(spread(5.0, 0.5, 5), spread(5.0, 0.5, 5)).verdict == I
    assert transfer.harder_set_larger_margin(None, None).verdict == T


def test_clipping_crucial_is_not_testable_without_recorded_errors():
    assert fig6.clipping_crucial([], [7.63]).verdict == T


def test_a_rule_whose_control_is_still_to_build_says_so_in_its_verdict():
    from zfcompanion.claims import OPEN_CONTROLS

    claim = transfer.beats_baseline({15: spread(80.0, 1.0, 5)}, {15: spread(70.0, 1.0, 5)})
    assert claim.verdict == R and claim.open_control == OPEN_CONTROLS["transfer.beats_baseline"]
    assert claim.judged == f"{R.label} (no control yet: {claim.open_control})"
    assert claim.line().startswith(f"[{R.value} (no control yet: {claim.open_control})]")
    assert fig7.localizes_object(None, False).judged == T.label  # a claim not testable lacks nothing to judge it


def _rules() -> list[str]:
    """Every rule: the public functions of the modules of zfcompanion.claims, as "module.rule"."""
    import importlib
    import inspect
    import pkgutil

    import zfcompanion.claims as package
    modules = [importlib.import_module(f"zfcompanion.claims.{found.name}") for found in pkgutil.iter_modules(package.__path__)]
    return [f"{module.__name__.rsplit('.', 1)[1]}.{name}" for module in modules
            for name, function in inspect.getmembers(module, inspect.isfunction)
            if function.__module__ == module.__name__ and not name.startswith("_")]


def _controlled(source: str) -> set[str]:
    """The rules `source` (a test module) calls in a control case: a test whose docstring names the
    control, or a statement under a comment that does (within three lines)."""
    import ast

    lines, found = source.splitlines(), set()
    for test in (node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)):
        whole = "the control" in (ast.get_docstring(test) or "").lower()
        for statement in test.body:
            above = lines[max(0, statement.lineno - 4): statement.lineno - 1]
            if whole or any(line.strip().startswith("#") and "control" in line for line in above):
                found |= {f"{call.func.value.id}.{call.func.attr}" for call in ast.walk(statement)
                          if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                          and isinstance(call.func.value, ast.Name)}
    return found


def test_every_rule_has_a_control_case_or_says_why_not():
    """A rule passes only if a test runs it on a control case, or it is listed with the reason it has
    none (WITHOUT_CONTROL) or with the control still to build (OPEN_CONTROLS); the lists name only rules
    that exist and lack one."""
    from pathlib import Path

    from zfcompanion.claims import OPEN_CONTROLS, WITHOUT_CONTROL

    rules, controlled = _rules(), _controlled(Path(__file__).read_text())
    listed = {**WITHOUT_CONTROL, **OPEN_CONTROLS}
    assert [rule for rule in rules if rule not in controlled and rule not in listed] == []
    assert [rule for rule in listed if rule not in rules or rule in controlled] == []
    # the check itself: a control-case comment counts, a case without one does not
    case = "def test_x():\n    fig2.grouping(2)\n    # the control: as good\n    assert fig5.output_stable(1).verdict == I\n"
    assert _controlled(case) == {"fig5.output_stable"}
