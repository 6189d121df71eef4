"""The Fashion-MNIST scenes: deterministic, the garment where its placement says, a third to two
thirds of the crop's side, wholly inside the center view, over a background that is not flat."""

import numpy as np

from zfcompanion import scenes


def garments(count: int, seed: int = 0) -> np.ndarray:
    """Bright rectangles of assorted sizes on black, like Fashion-MNIST's garments."""
    rng = np.random.default_rng(seed)
    sources = np.zeros((count, 28, 28), np.uint8)
    for image in sources:
        top, left = rng.integers(0, 8, 2)
        image[top : top + 20, left : left + 20] = 255
    return sources


def test_scenes_are_the_same_bytes_for_the_same_seed_and_differ_for_another():
    sources = garments(5)
    first, second, other = scenes.scenes(sources, 1), scenes.scenes(sources, 1), scenes.scenes(sources, 2)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    assert not np.array_equal(first[0], other[0])
    alone = scenes.scenes(sources[3:4], 1)  # scene i depends on (seed, i) alone ...
    assert not np.array_equal(alone[0][0], first[0][3])  # ... and on its index, not only its source


def test_the_garment_lies_where_its_placement_says_at_its_scale():
    sources = garments(40)
    images, placements = scenes.scenes(sources, 0)
    for source, image, row in zip(sources, images, placements):
        where = scenes.placement(row)
        assert scenes.SIDES[0] <= where.side <= scenes.SIDES[1]
        low, high = scenes.MARGIN, scenes.STORED - scenes.MARGIN
        assert low <= where.top and where.top + where.side <= high and low <= where.left and where.left + where.side <= high
        top, left, bottom, right = where.box
        assert (image[top + 2 : bottom - 2, left + 2 : right - 2] >= 250).all()  # opaque ink inside the box (edges blur)
        rows, cols = np.nonzero(source)
        r, c = where.to_scene(rows.mean() + 0.5, cols.mean() + 0.5)  # the ink's centre, mapped
        assert abs(r - (top + bottom) / 2) < 1 and abs(c - (left + right) / 2) < 1
    sides = placements[:, 2] / scenes.INPUT
    assert sides.min() >= 1 / 3 and sides.max() <= 2 / 3


def test_the_background_is_textured_and_low_contrast():
    images, placements = scenes.scenes(np.zeros((20, 28, 28), np.uint8), 0)  # no garment: background alone
    spread = images.reshape(20, -1).std(1)
    assert (spread > 2).all() and (np.median(images.reshape(20, -1), 1) < 150).all()


def test_objects_of_a_multi_object_scene_do_not_overlap():
    rng = np.random.default_rng(0)
    canvas, placed = scenes.multi_object_scene(list(garments(3)), rng)
    frames = [(p.top, p.left, p.top + p.side, p.left + p.side) for p in placed if p is not None]
    assert len(frames) >= 2 and canvas.shape == (scenes.STORED, scenes.STORED)
    for i, a in enumerate(frames):
        for b in frames[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
