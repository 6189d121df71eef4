"""Table 1's sign-change measure by hand and by brute force, the part locator against the hand
annotations, the annotation file and its mistakes."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from zfcompanion import profiles
from zfcompanion.analysis.correspondence import (RANDOM, SOURCE_CENTRE, annotated_images, load_annotations,
                                                 locator_errors, located, per_image, sign_distances, signs,
                                                 squares, trial_corners)
from zfcompanion.analysis.parts import boot_parts
from zfcompanion.data import StoredImages
from zfcompanion.errors import UserError

from .fixtures import REPO


def test_sign_change_by_hand():
    original = torch.zeros(3, 4)
    occluded = -torch.tensor([[1.0, 1, -1, 0], [1, 1, -1, 0], [1, -1, 1, 0]])  # ε = minus this
    # sign(ε): a = b = [1, 1, -1, 0]; c = [1, -1, 1, 0]. Hamming: a-b 0, a-c 2, b-c 2 (each twice, ordered).
    assert per_image(sign_distances(signs(original, occluded))).mean() == pytest.approx((0 + 2 + 2) * 2 / (3 * 2 * 4))


def test_sign_distances_match_a_brute_force_loop():
    values = torch.randint(-1, 2, (7, 50)).double()
    brute = [[sum(a != b for a, b in zip(row, other)) / 50 for other in values.tolist()] for row in values.tolist()]
    assert np.array_equal(sign_distances(values), np.array(brute))


def test_a_change_at_rounding_level_flips_no_sign():
    original = torch.tensor([[10.0, 2.0, 3.0]])
    assert signs(original, original - torch.tensor([[1e-6, -1e-6, 0.5]])).tolist() == [[0.0, 0.0, 1.0]]


def test_per_image_sign_changes_average_to_the_papers_measure():
    original, occluded = torch.zeros(3, 4), -torch.tensor([[1.0, 1, -1, 0], [1, 1, -1, 0], [1, -1, 1, 0]])
    # a-b 0, a-c 2, b-c 2: Δ_a = (0 + 2) / (2 * 4), Δ_b the same, Δ_c = (2 + 2) / (2 * 4)
    assert per_image(sign_distances(signs(original, occluded))).tolist() == pytest.approx([0.25, 0.25, 0.5])


def test_located_parts_of_a_drawn_boot():
    boot = np.zeros((28, 28), np.uint8)
    boot[18:24, 2:26] = 200  # foot: rows 18-23, columns 2-25
    boot[6:18, 14:26] = 200  # shaft: rows 6-17 over columns 14-25, its opening the top row
    parts = boot_parts(boot)
    assert parts["toe"] == (20.5, 5.5)  # rows 18-23 at the front columns 2-5; the square starts at column 2
    assert parts["heel"] == (20.5, 22.5)  # ends at row 23 and column 25
    assert parts["collar"] == (9.5, 20.5)  # starts at row 6; columns 14-25 all reach it
    with pytest.raises(ValueError, match="no garment"):
        boot_parts(np.zeros((28, 28), np.uint8))


def test_located_parts_lie_near_the_hand_annotations():
    hand = load_annotations(REPO / "data" / "annotations" / "fashion_mnist_boots.json")
    found = located(profiles.MINI, None, 60)
    assert len(found.images) == 60 and found.images[0] == {"index": 0}
    errors = locator_errors(found, hand)
    assert all(len(offsets) == len(hand.images) for offsets in errors.values())  # every hand boot is among the 60
    assert all(offsets.max() <= 2 for offsets in errors.values())  # within 2 source pixels; the square's side is 7


def scene_probe_set(placements: list[tuple[int, int, int]]) -> StoredImages:
    """Test 'scenes' 10, 11, ... with their garments' frames at (top, left, side); boxes = frames."""
    rows = torch.tensor([[t, l, s, t, l, t + s, l + s] for t, l, s in placements])
    return StoredImages(torch.zeros(len(rows), 1, 72, 72), torch.zeros(len(rows)), list(range(10, 10 + len(rows))), rows)


def test_source_parts_follow_each_scene_onto_the_network_input(tmp_path):
    (tmp_path / "parts.json").write_text(json.dumps(
        {"coordinates": SOURCE_CENTRE, "occluder_size": 7,
         "images": [{"index": 11, "parts": {"toe": [14.0, 3.5]}}, {"index": 10, "parts": {"toe": [14.0, 3.5]}}]}))
    annotations = load_annotations(tmp_path / "parts.json")
    where = squares(annotations, scene_probe_set([(4, 4, 28), (20, 30, 42)]), profiles.MINI)
    # scene 11: frame at (20, 30), side 42 = 1.5 x 28; the center view starts 4 pixels in
    assert where.centres["toe"][0].tolist() == pytest.approx([20 + 14 * 1.5 - 4, 30 + 3.5 * 1.5 - 4])
    assert where.centres["toe"][1].tolist() == pytest.approx([4 + 14 - 4, 4 + 3.5 - 4])
    assert where.sizes.tolist() == [round(7 * 1.5), 7]
    generator = torch.Generator().manual_seed(0)
    for part in ("toe", RANDOM):
        for _ in range(20):
            corners = trial_corners(where, part, 64, generator, jitter=1)
            assert corners.min() >= 0 and (corners + where.sizes[:, None]).max() <= 64
    centres = trial_corners(where, RANDOM, 64, torch.Generator().manual_seed(1), 0) + where.sizes[:, None] / 2
    boxes = where.boxes
    assert ((centres >= boxes[:, :2] - 1) & (centres <= boxes[:, 2:] + 1)).all()  # random parts fall on the object
    assert torch.equal(trial_corners(where, RANDOM, 64, torch.Generator().manual_seed(0), 1),
                       trial_corners(where, RANDOM, 64, torch.Generator().manual_seed(0), 1))


def test_the_shipped_annotations_name_test_boots_and_the_same_parts():
    annotations = load_annotations(REPO / "data" / "annotations" / "fashion_mnist_boots.json")
    assert len(annotations.images) >= 10 and set(annotations.parts) == {"toe", "heel", "collar"}
    assert annotations.coordinates == SOURCE_CENTRE
    for centres in annotations.parts.values():
        assert centres.min() >= 0 and centres.max() <= 28


def test_file_images_beside_the_json_use_the_profiles_preprocessing(tmp_path):
    Image.new("RGB", (300, 260), (200, 10, 10)).save(tmp_path / "dog.jpg")
    (tmp_path / "parts.json").write_text(json.dumps(
        {"occluder_size": 32, "images": [{"file": "dog.jpg", "parts": {"nose": [26, 36]}}] * 2}))
    annotations = load_annotations(tmp_path / "parts.json")
    stored = annotated_images(annotations, None, profiles.PAPER, torch.zeros(3, 256, 256))
    assert stored.shape == (2, 3, 256, 256)


@pytest.mark.parametrize("content, message", [
    (None, "does not exist"),
    ("{not json", "is not laid out as"),
    (json.dumps({"occluder_size": 7, "images": [{"index": 0, "parts": {"toe": [1, 2]}}, {"index": 1, "parts": {}}]}),
     "is not laid out as"),
    (json.dumps({"coordinates": "pixels", "occluder_size": 7, "images": [{"index": 0, "parts": {"toe": [1, 2]}}]}),
     "coordinates must be"),
])
def test_bad_annotation_files_say_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "parts.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UserError, match=message):
        load_annotations(path)
