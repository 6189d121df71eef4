"""Fig. 4's measures on hand-made inputs, and snapshots read from a manifest."""

import pytest
import torch

from zfcompanion import checkpoints
from zfcompanion.analysis.evolution import before_first_decay, rate_decays, settle_epochs, similarity_to_final
from zfcompanion.analysis.grouping import class_agreement, pairwise_correlation
from zfcompanion.images import correlations


def test_settle_epoch_is_where_similarity_stays_high():
    similarity = torch.tensor([[0.1, 0.9, 0.2, 0.95, 1.0],   # dips at epoch 5: settles at 10
                               [0.9, 0.9, 0.9, 0.9, 1.0],    # close from the start
                               [0.0, 0.0, 0.0, 0.0, 1.0]])   # only the final: not settled, censored
    assert settle_epochs(similarity, [1, 2, 5, 10, 20], threshold=0.8) == [10, 1, None]


def test_jumps_split_each_maps_steps_by_whether_its_strongest_image_changed():
    from zfcompanion.analysis.evolution import jumps

    a, b = torch.randn(1, 1, 5, 5, generator=torch.Generator().manual_seed(0)).expand(2, -1, -1, -1).clone()
    b += torch.randn(1, 5, 5, generator=torch.Generator().manual_seed(1))
    projections = torch.stack([torch.stack([a, a, b, b])])  # one map, four snapshots: the picture changes once
    images = torch.tensor([[3, 3, 7, 7]])  # ... where its strongest image changes
    found = jumps(projections, images)
    assert found["unchanged"] == [pytest.approx(0.0, abs=1e-9)]
    assert found["changed"] == [pytest.approx(1 - float(correlations(b[None], a[None])))]
    assert jumps(projections, torch.tensor([[3, 3, 3, 3]])) == {"changed": [], "unchanged": []}  # one kind only


def test_similarity_to_final_is_one_for_scaled_copies():
    base = torch.randn(2, 1, 1, 5, 5)
    projections = torch.cat([base * 3, -base, base], dim=1)  # epochs: scaled, negated, final
    assert torch.allclose(similarity_to_final(projections), torch.tensor([[1.0, -1.0, 1.0]] * 2, dtype=torch.float64))


def test_correlations_and_agreement_by_hand():
    a = torch.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    b = torch.tensor([[2.0, 4.0, 6.0], [3.0, 1.0, 2.0]])
    assert torch.allclose(correlations(a, b), torch.tensor([1.0, 0.0], dtype=torch.float64))  # flat: uncorrelated
    group = torch.stack([a[0], a[0] * 2, -a[0]])[None]  # pairs: +1, -1, -1
    assert abs(float(pairwise_correlation(group).mean()) - (-1 / 3)) < 1e-9
    assert class_agreement(torch.tensor([[1, 1, 2], [0, 1, 2]])).tolist() == [2 / 3, 1 / 3]


def test_snapshots_come_from_the_manifest_in_epoch_order(tmp_path):
    for epoch, name in ((5, "epoch005.pt"), (1, "epoch001.pt"), (9, "final.pt")):
        checkpoints.save(tmp_path / name, {"x": torch.zeros(1)}, profile="mini", model_config={}, epoch=epoch)
    (tmp_path / "stray.pt").write_bytes(b"")
    checkpoints.save(tmp_path / "predictions.pt", {"x": torch.zeros(1)}, profile="mini", model_config={}, epoch=9)
    assert checkpoints.snapshots(tmp_path) == [(1, tmp_path / "epoch001.pt"), (5, tmp_path / "epoch005.pt"),
                                               (9, tmp_path / "final.pt")]


def test_the_first_phase_ends_at_the_last_snapshot_before_the_learning_rate_decays(tmp_path):
    for epoch, lr in ((1, 0.01), (3, 0.01), (8, 0.01), (12, 0.001), (20, 0.0001)):
        checkpoints.save(tmp_path / f"epoch{epoch:03d}.pt", {"x": torch.zeros(1)}, profile="mini", model_config={},
                         epoch=epoch, metrics={"lr": lr})
    assert before_first_decay(checkpoints.snapshots(tmp_path)) == 3
    assert rate_decays(checkpoints.snapshots(tmp_path)) == [12, 20]  # the first snapshots at a lower rate
    constant = [(1, tmp_path / "epoch001.pt"), (3, tmp_path / "epoch003.pt")]
    assert before_first_decay(constant) == 2


def test_object_share_by_hand():
    from zfcompanion.analysis.grouping import object_share
    from zfcompanion.topk import TopActivations
    from zfcompanion.receptive_field import Field

    field = Field(size=10, stride=4, start=-2)  # unit (r, c) sees rows 4r-2 .. 4r+7
    top = TopActivations(torch.ones(2, 2), torch.tensor([[0, 1], [1, 1]]), torch.tensor([[[1, 1], [0, 0]], [[3, 3], [0, 0]]]), 4)
    boxes = torch.tensor([[2, 2, 12, 12], [0, 0, 4, 4]])  # image 0: 10x10 object; image 1: 4x4 in the corner
    share = object_share(top, field, boxes, 16)
    # channel 0: image 0's patch rows/cols 2..11 holds the whole object (1); image 1's patch rows 0..7 holds all of it (1)
    # channel 1: image 1's patch at (3, 3) covers rows 10..15, missing the object (0); the corner patch holds it (1)
    assert share.tolist() == [1.0, 0.5]


def test_grouping_measures_by_hand_on_a_tiny_network():
    """Two layers of a one-channel network over a set whose top images are all of one class: class
    agreement is one for the mined top k, the layer means average over the maps, the header has two levels."""
    import pandas as pd

    from zfcompanion.analysis import grouping
    from zfcompanion.data import StoredImages
    from zfcompanion.receptive_field import receptive_fields
    from zfcompanion.topk import mine

    features = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.ReLU(),
                                   torch.nn.Conv2d(2, 2, 3, padding=1), torch.nn.ReLU())
    torch.nn.init.constant_(features[0].weight, 0.1)
    torch.nn.init.constant_(features[2].weight, 0.1)
    images = torch.zeros(8, 1, 8, 8)
    images[:4] = 100.0  # the bright images are class 1 and win every top 4
    dataset = StoredImages(images, torch.tensor([1, 1, 1, 1, 0, 0, 0, 0]), list(range(8)))
    top = mine(features, dataset, [1, 3], 4, 8)
    per_map = grouping.measures({"top 4": (features, top)}, dataset, dataset.targets, receptive_fields(features), 2, 3,
                                torch.Generator().manual_seed(0), 8, torch.zeros(1, 8, 8), 0)
    assert per_map["class agreement, top 4"] == {1: [1.0, 1.0], 2: [1.0, 1.0]}
    assert set(per_map) == {"class agreement, top 4", "appearance similarity, top 4", "class agreement, random 4",
                            "appearance similarity, random 4"} and len(per_map["class agreement, random 4"][1]) == 3
    means = grouping.layer_means(per_map)
    assert means.loc[2, ("class agreement", "top 4")] == 1.0 and isinstance(means.columns, pd.MultiIndex)


def test_a_map_projected_on_its_own_image_is_the_top_activation_mined_from_that_image_alone():
    """`projected_on` finds each channel's strongest activation within one given image; mining a
    dataset of that image alone (`topk.mine`, a search over every image and place) finds the same one."""
    from torch.utils.data import Subset

    from zfcompanion.analysis.evolution import projected_on
    from zfcompanion.data import StoredImages
    from zfcompanion.topk import mine, project_top

    torch.manual_seed(0)
    features = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                   torch.nn.Conv2d(3, 2, 3, padding=1), torch.nn.ReLU()).eval()
    dataset = StoredImages(torch.rand(4, 1, 12, 12) * 255, torch.zeros(4, dtype=torch.long), list(range(4)))
    mean_image = torch.zeros(1, 12, 12)
    found = projected_on(features, dataset, 4, [1, 0], [2, 3], 12, mean_image)  # channel 1 first: rows are not channels
    for row, (channel, image) in enumerate(((1, 2), (0, 3))):
        alone = Subset(dataset, [image])
        expected = project_top(features, alone, mine(features, alone, [4], 1, 12)[4], 4, [channel], 12, mean_image)
        assert torch.allclose(found[row], expected.projections[0, 0])
