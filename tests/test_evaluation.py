"""Top-k error and the paper's 10-view evaluation."""

import pytest
import torch
from torch import nn

from zfcompanion.evaluation import predict, topk_errors, views


def test_topk_error_on_a_hand_made_example():
    scores = torch.tensor([[0.1, 0.7, 0.2],   # target 1: top-1 hit
                           [0.5, 0.1, 0.4],   # target 2: second best, a top-2 hit only
                           [0.3, 0.3, 0.4],   # target 0: ties with 1 at second place
                           [0.6, 0.3, 0.1]])  # target 2: last, a miss for k=1 and k=2
    targets = torch.tensor([1, 2, 0, 2])
    errors = topk_errors(scores, targets, (1, 2, 3))
    assert errors["top1_err"] == pytest.approx(75.0)
    assert errors["top3_err"] == pytest.approx(0.0)
    # Ties resolve by index in torch.topk: class 0 precedes class 1, so row 3 is a top-2 hit.
    assert errors["top2_err"] == pytest.approx(25.0)


def test_ten_views_are_corners_center_and_their_flips():
    images = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).reshape(2, 3, 8, 8)
    crops = views(images, 6, 10)
    windows = [(slice(0, 6), slice(0, 6)), (slice(0, 6), slice(2, 8)), (slice(2, 8), slice(0, 6)),
               (slice(2, 8), slice(2, 8)), (slice(1, 7), slice(1, 7))]  # 4 corners + center
    by_hand = [source[..., rows, cols] for source in (images, images.flip(-1)) for rows, cols in windows]
    assert len(crops) == 10
    for crop, expected in zip(crops, by_hand):
        assert torch.equal(crop, expected)

def test_ten_view_prediction_is_the_mean_of_the_ten_softmaxes():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 5))
    images = torch.randn(3, 3, 8, 8)
    corners = [(0, 0), (0, 2), (2, 0), (2, 2), (1, 1)]
    by_hand = torch.zeros(3, 5)
    for source in (images, images.flip(-1)):
        for top, left in corners:
            by_hand += model(source[..., top:top + 6, left:left + 6]).softmax(1) / 10
    assert torch.allclose(predict(model, images, 6, 10), by_hand, atol=1e-6)
    assert torch.allclose(predict(model, images, 6, 1), model(images[..., 1:7, 1:7]).softmax(1), atol=1e-6)


def test_other_view_counts_are_refused():
    with pytest.raises(ValueError, match="1 or 10 views, not 5"):
        views(torch.zeros(1, 1, 8, 8), 6, 5)


def test_topk_beyond_the_number_of_classes_misses_nothing():
    scores = torch.tensor([[0.2, 0.5, 0.3], [0.9, 0.05, 0.05]])
    assert topk_errors(scores, torch.tensor([0, 2]), (1, 5)) == {"top1_err": 100.0, "top5_err": 0.0}
