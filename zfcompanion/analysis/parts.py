"""Where an ankle boot's toe, heel and collar are, read off its silhouette in the 28x28 Fashion-MNIST
image, so that Fig. 8 and Table 1 can use every boot of the test set rather than a hand-picked few.

Fashion-MNIST's boots face left, sole down. The silhouette is the pixels brighter than `INK`, and each
part is the centre of a `SIDE`-pixel square, in the convention of data/annotations/ (pixel (r, c)
spans [r, r+1) x [c, c+1); centres on the 0.5 grid):
- toe: the frontmost (leftmost) ink column; the square spans the rows that ink reaches within the
  square's width of that column, and starts at that column;
- heel: the square's width of the rearmost ink columns; the square ends at the lowest row they reach;
- collar: the top opening, over the back half of the boot: the columns whose topmost ink lies within
  `OPENING` rows of the highest one; the square starts at that highest row, centred on those columns.
data/annotations/fashion_mnist_boots.json holds fifteen boots annotated by hand, the check of these
rules (tests/test_correspondence.py)."""

from __future__ import annotations

import math

import numpy as np

INK = 40  # a pixel brighter than this (of 255) belongs to the garment
SIDE = 7  # the occluding square's side, in source pixels
OPENING = 3  # rows below the collar's top that still count as the opening


def _on_grid(value: float) -> float:
    """The nearest pixel centre at or below `value`."""
    return math.floor(value) + 0.5


def boot_parts(image: np.ndarray) -> dict[str, tuple[float, float]]:
    """The (row, col) centres of a left-facing boot's toe, heel and collar in its 28x28 image."""
    ink = np.asarray(image) > INK
    if not ink.any():
        raise ValueError("the image holds no garment (no pixel above the ink level)")
    columns = np.flatnonzero(ink.any(0))
    front, back = int(columns[0]), int(columns[-1])
    toe_rows = np.flatnonzero(ink[:, front : front + SIDE // 2 + 1].any(1))
    heel_rows = np.flatnonzero(ink[:, back - SIDE + 1 :].any(1))
    tops = {column: int(np.flatnonzero(ink[:, column])[0]) for column in columns if column >= (front + back + 1) // 2}
    top = min(tops.values())
    opening = [column for column, row in tops.items() if row <= top + OPENING]
    half = SIDE / 2
    return {"toe": (_on_grid((toe_rows[0] + toe_rows[-1]) / 2), front + half),
            "heel": (float(heel_rows[-1]) + 1 - half, back + 1 - half),
            "collar": (top + half, _on_grid((opening[0] + opening[-1] + 1) / 2))}
