"""Table 1's sign-change measure by hand, the annotation file and its mistakes."""

import json

import pytest
import torch
from PIL import Image

from zfcompanion import profiles
from zfcompanion.analysis.correspondence import (RANDOM, annotated_images, load_annotations, sign_change,
                                                 trial_corners)
from zfcompanion.errors import UserError

from .fixtures import REPO


def test_sign_change_by_hand():
    original = torch.zeros(3, 4)
    occluded = -torch.tensor([[1.0, 1, -1, 0], [1, 1, -1, 0], [1, -1, 1, 0]])  # ε = minus this
    # sign(ε): a = b = [1, 1, -1, 0]; c = [1, -1, 1, 0]. Hamming: a-b 0, a-c 2, b-c 2 (each twice, ordered).
    assert sign_change(original, occluded) == pytest.approx((0 + 2 + 2) * 2 / (3 * 2 * 4))


def test_the_shipped_annotations_load_and_trials_stay_inside():
    annotations = load_annotations(REPO / "data" / "annotations" / "fashion_mnist_boots.json")
    assert len(annotations.images) == 5 and set(annotations.parts) == {"toe", "heel", "collar"}
    generator = torch.Generator().manual_seed(0)
    for part in [*annotations.parts, RANDOM]:
        corners = trial_corners(annotations, part, 28, generator, jitter=1)
        assert corners.shape == (5, 2) and corners.min() >= 0 and corners.max() <= 28 - annotations.occluder_size
    again = trial_corners(annotations, RANDOM, 28, torch.Generator().manual_seed(0), 1)
    first = trial_corners(annotations, RANDOM, 28, torch.Generator().manual_seed(0), 1)
    assert torch.equal(again, first)


def test_file_images_beside_the_json_use_the_profiles_preprocessing(tmp_path):
    Image.new("RGB", (300, 260), (200, 10, 10)).save(tmp_path / "dog.jpg")
    (tmp_path / "parts.json").write_text(json.dumps(
        {"occluder_size": 32, "images": [{"file": "dog.jpg", "parts": {"nose": [10, 20]}}] * 2}))
    annotations = load_annotations(tmp_path / "parts.json")
    stored = annotated_images(annotations, None, profiles.PAPER, torch.zeros(3, 256, 256))
    assert stored.shape == (2, 3, 256, 256)


@pytest.mark.parametrize("content, message", [
    (None, "does not exist"),
    ("{not json", "is not laid out as"),
    (json.dumps({"occluder_size": 7, "images": [{"index": 0, "parts": {"toe": [1, 2]}}, {"index": 1, "parts": {}}]}),
     "is not laid out as"),
])
def test_bad_annotation_files_say_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "parts.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UserError, match=message):
        load_annotations(path)
