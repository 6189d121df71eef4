"""Fig. 2's projection measures: energy on the object by a brute-force loop, and the switches-only
control, which given the trained filters themselves must give back the deconvnet's own measures."""

import torch

from zfcompanion.analysis import grouping
from zfcompanion.data import StoredImages
from zfcompanion.topk import mine


def test_energy_on_the_object_matches_a_loop_over_pixels():
    pictures = torch.randn(2, 3, 2, 5, 5)
    pictures[1, 2] = 0.0  # a blank picture counts as none
    mask = (torch.rand(2, 3, 1, 5, 5) > 0.5).float()
    expected = []
    for group in range(2):
        shares = []
        for item in range(3):
            total = inside = 0.0
            for c in range(2):
                for r in range(5):
                    for q in range(5):
                        energy = float(pictures[group, item, c, r, q]) ** 2
                        total += energy
                        inside += energy * float(mask[group, item, 0, r, q])
            shares.append(inside / total if total else 0.0)
        expected.append(sum(shares) / 3)
    assert torch.allclose(grouping.energy_on(pictures, mask), torch.tensor(expected, dtype=torch.float64), atol=1e-9)


def test_the_switches_only_control_with_the_trained_filters_is_the_deconvnet_itself():
    torch.manual_seed(0)
    features = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                   torch.nn.Conv2d(3, 3, 3, padding=1), torch.nn.ReLU())
    images = torch.rand(10, 1, 8, 8) * 100
    dataset = StoredImages(images, torch.zeros(10, dtype=torch.long), list(range(10)))
    top = mine(features, dataset, [1, 4], 3, 8)
    boxes = torch.tensor([[2, 2, 6, 6]] * 10)
    measured = grouping.projection_measures(features, features, dataset, top, 2, torch.Generator().manual_seed(0), 8,
                                            torch.zeros(1, 8, 8), boxes)
    for measure in ("projection similarity", "object energy"):
        assert measured[f"{measure}, switches only"] == measured[f"{measure}, top 9"]
    area = measured["object area, top 9"]
    assert all(0.0 <= value <= 1.0 for values in area.values() for value in values)
