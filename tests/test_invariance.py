"""Fig. 5's transforms and distances on images whose answers are known."""

import numpy as np
import pytest
import torch

from zfcompanion import models, scenes
from zfcompanion.analysis.invariance import curves, moved_scenes, transform, transformed
from zfcompanion.models import layer_vectors


def square_image() -> torch.Tensor:
    image = torch.zeros(1, 32, 32)
    image[:, 10:20, 12:18] = 200.0
    return image


def test_translation_moves_the_object_down_by_the_fraction_of_the_height():
    moved = transform(square_image(), "vertical translation", 0.25)  # 8 pixels
    assert torch.equal(moved[:, 18:28, 12:18], square_image()[:, 10:20, 12:18])
    assert moved[:, :18].sum() == 0


def test_identity_amounts_change_nothing():
    image = square_image()
    for kind, amount in (("vertical translation", 0.0), ("scale", 1.0), ("rotation", 0.0)):
        assert torch.allclose(transform(image, kind, amount), image)
    assert torch.allclose(transform(image, "rotation", 360.0), image, atol=1e-3)


def test_distances_are_zero_at_the_identity_and_layer_vectors_match_the_model():
    torch.manual_seed(0)
    model = models.zf_mini().eval()
    stored = torch.randn(2, 1, 72, 72) * 40
    moved = transformed(stored, "scale", [1.0, 1.3])
    result = curves(model, stored, moved, torch.tensor([1, 2]), torch.zeros(1, 72, 72), 64, [1.0, 1.3])
    assert result.distance["layer 1"][:, 0].abs().max() < 1e-5 and result.distance["layer 7"][:, 0].abs().max() < 1e-5
    assert (result.distance["layer 1"][:, 1] > 0).all()
    x = stored[:, :, 4:68, 4:68]
    torch.testing.assert_close(layer_vectors(model, x)["probabilities"], model(x).softmax(1))
    assert result.pictures.shape == (2, 2, 1, 64, 64)


def test_moved_scenes_keep_their_background_and_move_the_garment():
    sources = np.zeros((1, 28, 28), np.uint8)
    sources[0, 8:20, 8:20] = 250
    original, placements = scenes.scenes(sources, seed=3)
    moved = moved_scenes(sources, [0], 3, "vertical translation", [0.0, 0.125])
    assert torch.equal(moved[0, 0, 0], torch.from_numpy(original[0]).float())
    _, _, _, top, left, bottom, right = placements[0].tolist()
    shift = round(0.125 * scenes.INPUT)
    after = moved[0, 1, 0].numpy()
    assert (after[top + shift + 1 : bottom + shift - 1, left + 1 : right - 1] > 240).all()  # the garment, moved down
    above = original[0][top : top + shift, left:right]  # where it was: the background again
    assert not (after[top : top + shift, left:right] > 240).any() and (above > 240).any()


def test_summary_reads_the_smallest_step_and_the_share_of_the_range_kept():
    from zfcompanion.analysis.invariance import Curves, nearest_step, summary

    amounts = [0.6, 0.8, 1.0, 1.2, 1.4]
    true = torch.tensor([[0.1, 0.9, 0.9, 0.9, 0.2], [0.9, 0.9, 0.9, 0.9, 0.9]])
    distance = {"layer 1": torch.tensor([[0.5, 0.4, 0.0, 0.4, 0.5]] * 2), "layer 7": torch.tensor([[0.2, 0.1, 0.0, 0.1, 0.2]] * 2)}
    scale = Curves(amounts, distance, true, torch.zeros(2, 5, 1, 4, 4))
    assert nearest_step(scale, "scale") == 3  # the first step above the identity, 1.2
    row = summary({"scale": scale}).loc["scale"]
    assert row["smallest step"] == 1.2 and row["layer 1 distance at it"] == pytest.approx(0.4)
    assert row["p(true) > 0.5, middle half"] == 1.0 and row["p(true) > 0.5, whole range"] == pytest.approx(0.8)


def test_the_claims_read_the_untransformed_step_and_the_smallest_one():
    from zfcompanion.analysis.invariance import Curves, named_untransformed, smallest_step_distances

    amounts = [0.6, 0.8, 1.0, 1.2, 1.4]  # the identity is the third step, the smallest step the fourth
    true = torch.tensor([[0.9, 0.9, 0.4, 0.9, 0.9], [0.1, 0.1, 0.6, 0.1, 0.1]])
    distance = {"layer 1": torch.tensor([[0.5, 0.4, 0.0, 0.3, 0.5], [0.6, 0.5, 0.0, 0.2, 0.6]]),
                "layer 7": torch.tensor([[0.2, 0.1, 0.0, 0.05, 0.2], [0.3, 0.2, 0.0, 0.1, 0.3]])}
    scale = Curves(amounts, distance, true, torch.zeros(2, 5, 1, 4, 4))
    assert named_untransformed(scale, "scale") == [False, True]
    assert smallest_step_distances(scale, "scale") == {"layer 1": [pytest.approx(0.3), pytest.approx(0.2)],
                                                       "layer 7": [pytest.approx(0.05), pytest.approx(0.1)]}


def test_linearity_is_one_for_a_line_and_low_for_a_jump():
    from zfcompanion.analysis.invariance import Curves, linearity

    amounts = [-0.2, -0.1, 0.0, 0.1, 0.2]
    line = torch.tensor([[0.4, 0.2, 0.0, 0.2, 0.4]])
    jump = torch.tensor([[0.9, 0.9, 0.0, 0.9, 0.9]])
    curves = Curves(amounts, {"layer 1": jump, "layer 7": line}, torch.zeros(1, 5), torch.zeros(1, 5, 1, 2, 2))
    assert linearity(curves, "vertical translation", "layer 7") == [pytest.approx(1.0)]
    # numpy's least-squares line through the same points as the oracle
    step, values = np.array([0.2, 0.1, 0.0, 0.1, 0.2]), jump[0].numpy().astype(np.float64)
    residual = values - np.polyval(np.polyfit(step, values, 1), step)
    expected = 1 - (residual ** 2).sum() / ((values - values.mean()) ** 2).sum()
    assert linearity(curves, "vertical translation", "layer 1") == [pytest.approx(expected)] and expected < 0.7
