"""Streaming top-k mining against a brute-force pass that keeps every activation."""

import torch

from zfcompanion import models
from zfcompanion.images import cut
from zfcompanion.topk import mine, project_top
from zfcompanion.data import StoredImages
from zfcompanion.deconvnet import DeconvNet
from zfcompanion.receptive_field import receptive_fields


def dataset_with_duplicates(count: int = 40) -> StoredImages:
    torch.manual_seed(0)
    images = torch.randn(count, 1, 32, 32) * 60
    images[30:] = images[:10]  # exact ties: the earlier copy must win
    return StoredImages(images, torch.arange(count) % 10, list(range(count)))


def brute_force(features, dataset, layer, k):
    x = torch.stack([image for image, _ in dataset])[:, :, 2:30, 2:30]
    with torch.no_grad():
        maps = features[: layer + 1](x).flatten(2)  # (images, channels, positions)
    strongest, flat = maps.max(dim=2)
    result = []
    for channel in range(maps.shape[1]):
        ranked = sorted(range(len(x)), key=lambda i: (-float(strongest[i, channel]), i))[:k]
        result.append([(float(strongest[i, channel]), i, int(flat[i, channel])) for i in ranked])
    return result


def test_mining_equals_brute_force_across_batches():
    features = models.zf_mini().eval().features
    dataset = dataset_with_duplicates()
    layers = models.feature_map_layers(features)
    top = mine(features, dataset, layers, k=9, input_size=28, batch_size=7)
    assert set(top) == set(layers)
    for layer in layers:
        expected = brute_force(features, dataset, layer, 9)
        width = features[: layer + 1](torch.zeros(1, 1, 28, 28)).shape[-1]
        assert top[layer].values.shape == (len(expected), 9)  # k per channel, whatever the dataset size
        for channel, rows in enumerate(expected):
            assert top[layer].images[channel].tolist() == [i for _, i, _ in rows], (layer, channel)
            torch.testing.assert_close(top[layer].values[channel], torch.tensor([v for v, _, _ in rows]))
            assert (top[layer].positions[channel] @ torch.tensor([width, 1])).tolist() == [f for _, _, f in rows]


def test_projection_stays_inside_the_receptive_field():
    torch.manual_seed(3)
    features = models.zf_mini().eval().features
    dataset = dataset_with_duplicates()
    for layer in models.feature_map_layers(features):
        top = mine(features, dataset, [layer], k=3, input_size=28)[layer]
        row, col = top.positions[0, 0].tolist()
        x = dataset[int(top.images[0, 0])][0][None, :, 2:30, 2:30]
        projection = DeconvNet(features).project(x, layer, 0, (row, col))[0, 0]
        rows, cols = projection.nonzero(as_tuple=True)
        top_, left, bottom, right = receptive_fields(features)[layer].box(row, col, 28)
        assert len(rows) > 0
        assert rows.min() >= top_ and rows.max() < bottom and cols.min() >= left and cols.max() < right


def test_project_top_cuts_projection_and_patch_to_the_field():
    features = models.zf_mini().eval().features
    dataset = dataset_with_duplicates()
    layer = models.feature_map_layers(features)[1]
    top = mine(features, dataset, [layer], k=4, input_size=28)[layer]
    result = project_top(features, dataset, top, layer, [2, 5], 28, mean_image=torch.zeros(1, 32, 32))
    size = receptive_fields(features)[layer].size
    assert result.projections.shape == result.patches.shape == (2, 4, 1, size, size)
    assert result.images.tolist() == top.images[[2, 5]].tolist()
    assert result.projections.abs().flatten(2).sum(2).min() > 0


def test_cut_pads_boxes_clipped_at_the_border():
    image = torch.arange(16.0).view(1, 4, 4)
    patch = cut(image, (0, 2, 2, 4), 3)
    assert patch.tolist() == [[[2, 3, 0], [6, 7, 0], [0, 0, 0]]]


def test_live_maps_fire_at_all_and_live_in_all_k_fire_on_every_one_of_their_top_k():
    from zfcompanion.topk import TopActivations

    top = TopActivations(torch.tensor([[3.0, 2.0, 0.0], [0.0, 0.0, 0.0], [5.0, 4.0, 1.0]]),
                         torch.zeros(3, 3, dtype=torch.long), torch.zeros(3, 3, 2, dtype=torch.long), 4)
    assert top.live().tolist() == [0, 2] and top.live_in_all_k().tolist() == [2]


def test_projections_are_stretched_per_tile_around_mid_grey():
    from zfcompanion.plots import contrast_normalized

    tile = torch.zeros(1, 20, 20)
    tile[0, :, :10] = torch.linspace(0.005, 1, 200).view(20, 10)  # a faint gradient
    tile[0, 0, 19] = 100.0  # and one strong pixel
    shown = contrast_normalized(torch.stack([tile, -tile]))
    assert shown.shape == (2, 1, 20, 20) and shown.min() >= 0 and shown.max() <= 1
    assert float(shown[0, 0, 5, 15]) == 0.5  # zero stays mid-grey
    assert float(shown[0, 0, 19, 9]) == 1.0 and float(shown[1, 0, 19, 9]) == 0.0  # the gradient's top: white, black
    assert float(shown[0, 0, 0, 0]) > 0.5  # faint values stay visible rather than vanishing beside the strong pixel


def test_beside_top_puts_the_images_own_projection_first_cut_to_the_field():
    from zfcompanion.deconvnet import DeconvNet
    from zfcompanion.images import cut
    from zfcompanion.topk import beside_top

    torch.manual_seed(0)
    model = models.zf_mini().eval()
    dataset = StoredImages(torch.randn(6, 1, 72, 72) * 50, torch.zeros(6, dtype=torch.long), list(range(6)))
    x = torch.randn(2, 1, 64, 64) * 50
    layer = models.feature_map_layers(model.features)[2]
    top = mine(model.features, dataset, [layer], 3, 64)[layer]
    channels = [1, 4]
    projections = DeconvNet(model.features).project(x, layer, torch.tensor(channels))
    tiles = beside_top(model.features, dataset, top, layer, x, channels, projections, 64, torch.zeros(1, 72, 72))
    others = project_top(model.features, dataset, top, layer, channels, 64, torch.zeros(1, 72, 72)).projections
    assert tiles.shape[:2] == (2, 4) and torch.equal(tiles[:, 1:], others)
    with torch.no_grad():
        maps = model.features[: layer + 1](x)
    flat = int(maps[1, 4].argmax())
    box = receptive_fields(model.features)[layer].box(flat // maps.shape[-1], flat % maps.shape[-1], 64)
    assert torch.equal(tiles[1, 0], cut(projections[1], box, tiles.shape[-1]))
