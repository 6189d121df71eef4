"""Incremental occlusion against a brute-force loop that runs the whole network once per position,
and against captum's Occlusion."""

import pytest
import torch
import torchvision
from captum.attr import Occlusion
from scipy.stats import pearsonr

from zfcompanion import models
from zfcompanion.analysis import occlusion
from zfcompanion.analysis.occlusion import occlusion_map, sweep
from zfcompanion.errors import UserError


def brute_force(model, x, size, stride, fill, layer=None, channel=None):
    """Probabilities (N, rows, cols, classes) and the feature map's sum, one full forward per position."""
    n, c, h, w = x.shape
    rows, cols = (h - size) // stride + 1, (w - size) // stride + 1
    probabilities = torch.zeros(n, rows, cols, model(x).shape[1])
    totals = torch.zeros(n, rows, cols)
    with torch.no_grad():
        for i in range(rows):
            for j in range(cols):
                occluded = x.clone()
                window = (slice(None), slice(None), slice(i * stride, i * stride + size), slice(j * stride, j * stride + size))
                # a fill may be a whole picture (a flat colour less the mean image): the square takes its window
                occluded[window] = fill[window] if torch.is_tensor(fill) and fill.dim() == 4 else fill
                probabilities[:, i, j] = model(occluded).softmax(1)
                if layer is not None:
                    totals[:, i, j] = model.features[: layer + 1](occluded)[torch.arange(n), channel].sum((1, 2))
    return probabilities, totals


@pytest.mark.parametrize("builder, size, stride", [(models.zf_mini, 12, 4), (models.zf_mini, 5, 7),
                                                   (models.alexnet_mini, 9, 5)])
def test_incremental_equals_one_full_pass_per_position(builder, size, stride):
    torch.manual_seed(0)
    model = builder().eval()
    x = torch.randn(2, 1, 64, 64) * 60
    layer, channel = len(model.features) - 2, torch.tensor([3, 7])
    expected, expected_totals = brute_force(model, x, size, stride, 0.0, layer, channel)
    result = sweep(model, x, size, stride, 0.0, layer, channel, batch_size=17)
    torch.testing.assert_close(result.probabilities, expected, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(result.map_totals, expected_totals, rtol=1e-4, atol=1e-3)


def test_picture_fill_takes_the_pixels_under_the_square_one_picture_per_image():
    torch.manual_seed(3)
    model = models.zf_mini().eval()
    x, background = torch.randn(2, 1, 64, 64) * 60, torch.randn(2, 1, 64, 64) * 60
    expected = torch.zeros(2, 10, 10, 10)
    with torch.no_grad():
        for n in range(2):
            for i in range(10):
                for j in range(10):
                    occluded = x[n : n + 1].clone()
                    window = (..., slice(6 * i, 6 * i + 10), slice(6 * j, 6 * j + 10))
                    occluded[window] = background[n : n + 1][window]
                    expected[n, i, j] = model(occluded).softmax(1)[0]
    torch.testing.assert_close(sweep(model, x, 10, 6, background).probabilities, expected, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(sweep(model, x[1:], 10, 6, background[1]).probabilities, expected[1:], rtol=1e-4, atol=1e-6)


def test_torchvision_alexnet_with_per_channel_fill():
    torch.manual_seed(1)
    model = torchvision.models.alexnet(num_classes=5).eval()
    x = torch.randn(1, 3, 95, 95)
    fill = torch.tensor([0.5, -0.2, 0.1])
    expected, _ = brute_force(model, x, 24, 16, fill.view(3, 1, 1))
    torch.testing.assert_close(sweep(model, x, 24, 16, fill).probabilities, expected, rtol=1e-4, atol=1e-6)


def test_occlusion_map_equals_captum_where_windows_do_not_overlap():
    # captum's Occlusion gives, per pixel, the mean drop in the target's output over the windows that
    # cover it; with stride = size each pixel has one window, so it reads off the map directly.
    torch.manual_seed(2)
    model = models.zf_mini().eval()
    x = torch.randn(1, 1, 64, 64) * 60
    ours = occlusion_map(model, x, 4, size=8, stride=8)
    probability = lambda inputs: model(inputs).softmax(1)
    theirs = Occlusion(probability).attribute(x, sliding_window_shapes=(1, 8, 8), strides=(1, 8, 8), target=4)
    unoccluded = probability(x)[0, 4]
    torch.testing.assert_close(unoccluded - theirs[0, 0, ::8, ::8], ours[0], rtol=1e-4, atol=1e-6)


def test_an_occluder_larger_than_the_image_is_refused():
    with pytest.raises(UserError, match="does not fit a 64×64 image"):
        occlusion_map(models.zf_mini().eval(), torch.zeros(1, 1, 64, 64), 0, size=70, stride=1)


def test_a_target_class_that_does_not_exist_is_refused():
    with pytest.raises(UserError, match="Target class 10 does not exist: the network has classes 0 to 9"):
        occlusion_map(models.zf_mini().eval(), torch.zeros(1, 1, 64, 64), 10, size=7, stride=1)


def test_a_zero_stride_is_refused():
    with pytest.raises(UserError, match="stride of at least 1"):
        occlusion_map(models.zf_mini().eval(), torch.zeros(1, 1, 64, 64), 0, size=7, stride=0)


def test_incremental_limit_by_hand():
    from torch import nn

    from zfcompanion.analysis.occlusion import incremental_limit

    one_by_one = nn.Sequential(nn.Conv2d(1, 2, 1))
    assert incremental_limit(one_by_one, 4, 1, size=1, stride=1) == 16  # one output pixel of 16 changes
    assert incremental_limit(nn.Sequential(nn.Conv2d(1, 2, 3, padding=1)), 8, 1, size=8, stride=1) == 1
    assert abs(incremental_limit(models.zfnet().features, 224, 3, 32, 8) - 5.7) < 0.1  # the figure


def test_box_overlap_is_the_share_of_the_square_inside_the_box_by_brute_force():
    boxes = torch.tensor([[3, 5, 12, 9], [0, 0, 16, 16]])
    overlap = occlusion.box_overlap(boxes, occlusion.positions(16, 16, 4, 2), size=4, stride=2)
    for n, (top, left, bottom, right) in enumerate(boxes.tolist()):
        inside = torch.zeros(16, 16)
        inside[top:bottom, left:right] = 1
        for i in range(overlap.shape[1]):
            for j in range(overlap.shape[2]):
                expected = inside[2 * i : 2 * i + 4, 2 * j : 2 * j + 4].mean()
                assert abs(float(overlap[n, i, j]) - float(expected)) < 1e-12


def test_object_and_context_drops_average_the_right_positions():
    drops = torch.tensor([[[1.0, 0.0], [0.5, 0.2]]])
    overlap = torch.tensor([[[1.0, 0.0], [0.6, 0.3]]], dtype=torch.float64)
    (on_object, on_context), = occlusion.object_and_context_drops(drops, overlap).tolist()
    assert on_object == pytest.approx(0.75) and on_context == pytest.approx(0.0)  # 0.3 is neither
    nothing = occlusion.object_and_context_drops(drops, torch.ones_like(overlap))
    assert torch.isnan(nothing[0, 1])


def test_fig7s_probes_follow_the_strongest_map_and_fill_with_the_background():
    """The square takes each image's border colour; the followed map is each image's strongest layer-5 map;
    the sweep is the plain `sweep` with that fill, map and the model's unoccluded label."""
    torch.manual_seed(0)
    model = models.zf_mini().eval()
    pixels = torch.full((2, 1, 64, 64), 40.0)
    pixels[1] = 90.0
    pixels[:, :, 20:40, 20:40] = 200.0  # an object on a flat background
    mean = torch.full((1, 64, 64), 50.0)
    x = pixels - mean
    probes = occlusion.occlude_probes(model, x, pixels, mean, 12, 8)
    layer5 = models.feature_map_layers(model.features)[-1]
    with torch.no_grad():
        maps = model.features[: layer5 + 1](x)
    assert probes.strongest_map.tolist() == maps.flatten(2).amax(2).argmax(1).tolist()
    assert probes.fill.flatten().tolist() == [40.0, 90.0]
    expected = sweep(model, x, 12, 8, torch.tensor([-10.0, 40.0])[:, None, None, None], layer5, probes.strongest_map)
    assert torch.equal(probes.sweep.probabilities, expected.probabilities)
    assert torch.equal(probes.unoccluded, model(x).softmax(1))


def test_switches_to_the_other_garment_match_a_brute_force_loop():
    """For each scene the network names one of its two garments: a one-forward-per-position loop over the
    squares at least half on that garment, filled with the border's median, in the pair and in the
    named garment's scene alone, says whether the other garment's class wins somewhere."""
    from zfcompanion.images import background_colour

    torch.manual_seed(0)
    model = models.zf_mini(num_classes=4).eval()
    pairs, alone = torch.rand(5, 1, 64, 64) * 255, torch.rand(5, 2, 1, 64, 64) * 255
    mean = torch.full((1, 64, 64), 100.0)
    with torch.no_grad():
        named = model(pairs - mean).argmax(1)
    labels = torch.stack([named, (named + 1) % 4], dim=1)
    labels[4] = torch.tensor([(int(named[4]) + 1) % 4, (int(named[4]) + 2) % 4])  # names neither garment: left out
    boxes = torch.tensor([[[0, 0, 40, 40], [30, 30, 64, 64]]] * 5)
    found = occlusion.switches_to_the_other(model, pairs, alone, labels, boxes, mean, 12, 8)
    expected = {"with the other": [], "alone": []}
    for i in range(4):
        for name, image in (("with the other", pairs[i]), ("alone", alone[i, 0])):
            fill = background_colour(image[None])[:, :, None, None] - mean  # the flat colour less the mean image
            probabilities, _ = brute_force(model, image[None] - mean, 12, 8, fill)
            top = probabilities[0].argmax(-1)
            on = occlusion.box_overlap(boxes[i, :1], occlusion.positions(64, 64, 12, 8), 12, 8)[0] >= 0.5
            expected[name].append(bool((top[on] == labels[i, 1]).any()))
    assert found == expected


def test_the_maps_drop_follows_what_the_square_hides_of_its_projection_or_of_the_image():
    """Where the square hides more of the projection, a map that lost activity in proportion gives +1;
    one that lost it elsewhere gives -1. The control reads the image's departure from the square's
    colour the same way: here the image's object is where the projection is not."""
    projection = torch.zeros(1, 1, 8, 8)
    projection[..., :4, :4] = 1.0  # the projection lies in the top-left quarter
    pixels = torch.full((1, 1, 8, 8), 30.0)
    pixels[..., 4:, 4:] = 230.0  # the image's object lies in the bottom-right quarter
    hidden = occlusion.coverage(projection.abs().sum(1), 4, 4)  # (1, 2, 2): 1 at the top left, 0 elsewhere
    maps = torch.ones(1, 1, 2, 2)
    def probes(map_totals: torch.Tensor) -> occlusion.Probes:
        return occlusion.Probes(occlusion.Sweep(torch.zeros(1, 2, 2, 3), map_totals), maps, torch.zeros(1, dtype=torch.long),
                                torch.full((1, 1), 30.0), torch.zeros(1, 3))
    follows = occlusion.map_drop_correlations(probes(4.0 - 3 * hidden), projection, pixels, 4, 4)
    opposite = occlusion.map_drop_correlations(probes(1.0 + 3 * hidden), projection, pixels, 4, 4)
    assert follows["projection"] == pytest.approx([1.0]) and opposite["projection"] == pytest.approx([-1.0])
    image_hidden = occlusion.coverage((pixels - 30.0).abs().sum(1), 4, 4)  # the same squares over the image
    expected = pearsonr((3 * hidden).flatten().numpy(), image_hidden.flatten().numpy()).statistic  # the drop is 3 x hidden
    assert follows["image"] == pytest.approx([expected])


def test_context_drops_separate_the_object_from_its_context():
    """A model that reads only the object's pixels loses p(correct) only where the square covers it."""
    class ObjectReader(torch.nn.Module):  # class 1's score is the mean of the top-left 16x16 patch
        def __init__(self):
            super().__init__()
            identity = torch.nn.Conv2d(1, 1, 1, bias=False)
            identity.weight.data.fill_(1.0)
            self.features = torch.nn.Sequential(identity, torch.nn.ReLU())
            reader = torch.nn.Linear(32 * 32, 2, bias=False)
            weights = torch.zeros(2, 32, 32)
            weights[1, :16, :16] = 1 / (16 * 16 * 100)  # the object alone gives a score of 2
            reader.weight.data = weights.flatten(1)
            self.classifier = torch.nn.Sequential(reader)

        def forward(self, x):
            return self.classifier(torch.flatten(self.features(x), 1))

    pixels = torch.full((1, 1, 32, 32), 20.0)
    pixels[:, :, :16, :16] = 220.0
    probes = occlusion.occlude_probes(ObjectReader(), pixels - 20.0, pixels, torch.full((1, 32, 32), 20.0), 8, 8)
    drops = occlusion.context_drops(probes, torch.tensor([1]), torch.tensor([[0, 0, 16, 16]]), 8, 8)
    assert float(drops[0, 0]) > 0.03 and float(drops[0, 1]) == pytest.approx(0.0, abs=1e-6)


def test_drops_through_the_strongest_map_and_the_others_match_a_loop_with_a_hook():
    """The square let through one way at a time: a forward hook on layer 5 swaps in the occluded image's
    strongest map alone (or every map but it), and the whole model runs once per position."""
    torch.manual_seed(0)
    model = models.zf_mini().eval()
    pixels = torch.full((2, 1, 64, 64), 40.0)
    pixels[:, :, 16:44, 18:40] = 220.0
    pixels[1, :, 30:50, 10:30] = 120.0
    mean = torch.full((1, 64, 64), 50.0)
    x, truth = pixels - mean, torch.tensor([1, 3])
    found = occlusion.drops_through_maps(model, x, pixels, truth, mean, 16, 12)
    layer5 = models.feature_map_layers(model.features)[-1]
    for n in range(2):
        with torch.no_grad():
            base = model.features[: layer5 + 1](x[n : n + 1])
            strongest = int(base.flatten(2).amax(2).argmax(1))
            before = model(x[n : n + 1]).log_softmax(1)[0, truth[n]]
        drops = {"only": [], "others": []}
        for top in range(0, 64 - 16 + 1, 12):
            for left in range(0, 64 - 16 + 1, 12):
                occluded = x[n : n + 1].clone()
                occluded[..., top : top + 16, left : left + 16] = 40.0 - 50.0  # the border's colour less the mean
                with torch.no_grad():
                    hidden = model.features[: layer5 + 1](occluded)
                for way in drops:
                    mixed = base.clone() if way == "only" else hidden.clone()
                    mixed[:, strongest] = hidden[:, strongest] if way == "only" else base[:, strongest]
                    hook = model.features[layer5].register_forward_hook(lambda *_, mixed=mixed: mixed)
                    with torch.no_grad():
                        drops[way].append(float(before - model(occluded).log_softmax(1)[0, truth[n]]))
                    hook.remove()
        expected = [sum(drops[way]) / len(drops[way]) for way in ("only", "others")]
        assert found[n].tolist() == pytest.approx(expected, abs=1e-6)
    assert float(found.abs().sum()) > 0  # the square does change the class probabilities
