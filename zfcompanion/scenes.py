"""Fashion-MNIST scenes: the mini profile's stand-in for ImageNet.

ImageNet's objects sit in cluttered surroundings and cover about a third to two thirds of the
image side; Fashion-MNIST's garments fill a black 28x28 frame. A scene puts one garment on a larger
canvas (`STORED` x `STORED`, of which the networks see `INPUT` x `INPUT` crops, the paper's 256/224)
at a seeded random size and position, over a background of low-contrast texture and clutter that
carries no label. So occluding the context is a real experiment (Fig. 7), translation and scale move
the object within the frame (Fig. 5), and a layer-3 unit sees a part of the canvas (Fig. 2).

Every scene records its `Placement`: where the 28x28 source image went (its top-left corner and side
in canvas pixels) and the box of the garment's ink. `Placement.to_scene` maps a point annotated on
the source onto the scene (Fig. 8 and Table 1 annotate parts of the source images).

Every step is integer arithmetic (numpy's seeded PCG64, Pillow's 8-bit resizing and drawing), so the
scenes are the same bytes on every machine. They are generated once from Fashion-MNIST and cached.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw

SOURCE = 28  # Fashion-MNIST's side
STORED = 72  # the canvas, as the paper's 256 ...
INPUT = 64  # ... and the networks' crops, as its 224
MARGIN = (STORED - INPUT) // 2  # the center crop's offset: objects lie wholly inside the center view
SIDES = (22, 42)  # the source frame's side on the canvas: a third to two thirds of INPUT
VERSION = 1  # part of the cache key: bump when the recipe below changes


@dataclass(frozen=True)
class Placement:
    """Where a 28x28 source image went on its canvas (canvas pixels)."""

    top: int
    left: int
    side: int  # the source frame's side on the canvas
    box: tuple[int, int, int, int]  # the garment's ink: top, left, bottom, right (exclusive)

    @property
    def scale(self) -> float:
        return self.side / SOURCE

    def to_scene(self, row: float, col: float) -> tuple[float, float]:
        """The canvas position of source position (row, col), both in pixel units from the top-left
        corner of the image (pixel centres at .5)."""
        return self.top + row * self.scale, self.left + col * self.scale


def background(rng: np.random.Generator, size: int = STORED) -> np.ndarray:
    """Low-contrast texture and clutter, (size, size) uint8: a grey level, two scales of smooth noise
    and a few random strokes, none of which depends on any label."""
    level = int(rng.integers(30, 91))
    coarse = _smooth_noise(rng, 4, size).astype(np.int32) - 128
    fine = _smooth_noise(rng, 12, size).astype(np.int32) - 128
    texture = level + coarse * int(rng.integers(8, 25)) // 128 + fine * int(rng.integers(4, 13)) // 128
    canvas = Image.fromarray(np.clip(texture, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(canvas)
    for _ in range(int(rng.integers(3, 7))):
        points = [tuple(int(v) for v in rng.integers(0, size, 2)) for _ in range(2)]
        box = [min(points[0][0], points[1][0]), min(points[0][1], points[1][1]),
               max(points[0][0], points[1][0]), max(points[0][1], points[1][1])]
        shade = int(np.clip(level + rng.integers(-45, 46), 0, 255))
        width = int(rng.integers(1, 3))
        shape = int(rng.integers(3))
        if shape == 0:
            draw.line(points, fill=shade, width=width)
        elif shape == 1:
            draw.rectangle(box, outline=shade, width=width)
        else:
            draw.ellipse(box, outline=shade, width=width)
    return np.asarray(canvas)


def _smooth_noise(rng: np.random.Generator, cells: int, size: int) -> np.ndarray:
    """Uniform noise on a cells x cells grid, resized smoothly to size x size (uint8)."""
    grid = Image.fromarray(rng.integers(0, 256, (cells, cells), dtype=np.uint8))
    return np.asarray(grid.resize((size, size), Image.BILINEAR))


def paste(canvas: np.ndarray, source: np.ndarray, top: int, left: int, side: int, angle: float = 0.0) -> Placement:
    """Draw the 28x28 garment `source` onto `canvas` (in place) at `top`, `left`, `side` x `side`, turned
    by `angle` degrees counter-clockwise; what falls outside the canvas is cut off. Its ink replaces the
    background in proportion to its brightness (fully from grey level 85 up), so that the black frame
    around the garment leaves the background showing."""
    picture = Image.fromarray(source).resize((side, side), Image.BILINEAR)
    if angle:
        picture = picture.rotate(angle, resample=Image.BILINEAR)
    garment = np.asarray(picture).astype(np.int32)
    rows = slice(max(top, 0), min(top + side, canvas.shape[0]))
    cols = slice(max(left, 0), min(left + side, canvas.shape[1]))
    garment = garment[rows.start - top : rows.stop - top, cols.start - left : cols.stop - left]
    alpha = np.minimum(255, 3 * garment)
    region = canvas[rows, cols].astype(np.int32)
    canvas[rows, cols] = ((region * (255 - alpha) + garment * alpha + 127) // 255).astype(np.uint8)
    return Placement(top, left, side, _ink_box(source, top, left, side))


def _ink_box(source: np.ndarray, top: int, left: int, side: int) -> tuple[int, int, int, int]:
    rows, cols = np.nonzero(source)
    if len(rows) == 0:
        return top, left, top + side, left + side
    scale = side / SOURCE
    return (top + int(np.floor(rows.min() * scale)), left + int(np.floor(cols.min() * scale)),
            top + int(np.ceil((rows.max() + 1) * scale)), left + int(np.ceil((cols.max() + 1) * scale)))


def scene(source: np.ndarray, rng: np.random.Generator, move: Callable[[int, int, int], tuple] | None = None
          ) -> tuple[np.ndarray, Placement]:
    """One garment on a fresh background, at a random side in SIDES, wholly inside the center view.
    `move(top, left, side)`, if given, returns where to draw it instead: (top, left, side, angle)."""
    side = int(rng.integers(SIDES[0], SIDES[1] + 1))
    top, left = (int(v) for v in rng.integers(MARGIN, STORED - MARGIN - side + 1, 2))
    canvas = background(rng).copy()
    where = (top, left, side, 0.0) if move is None else move(top, left, side)
    return canvas, paste(canvas, source, *where)


def moved(source: np.ndarray, seed: int, index: int, kind: str, amount: float) -> np.ndarray:
    """Scene `index` of `scenes(sources, seed)` with its garment moved over the same background (Fig. 5):
    "vertical translation" by `amount` of the input's height (down is positive), "scale" by the factor
    `amount` about the garment's centre, "rotation" by `amount` degrees counter-clockwise."""
    def move(top: int, left: int, side: int) -> tuple[int, int, int, float]:
        if kind == "vertical translation":
            return top + round(amount * INPUT), left, side, 0.0
        if kind == "scale":
            scaled = max(1, round(side * amount))
            return top + (side - scaled) // 2, left + (side - scaled) // 2, scaled, 0.0
        if kind == "rotation":
            return top, left, side, float(amount)
        raise ValueError(f"Unknown move {kind!r}: choose vertical translation, scale or rotation.")

    return scene(source, np.random.default_rng([seed, index]), move)[0]


def scenes(sources: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A scene of every source image (N, 28, 28) uint8: images (N, STORED, STORED) uint8 and
    placements (N, 7) int32 (top, left, side, box top, box left, box bottom, box right). Scene i
    depends only on (seed, i) and source i, so any subset can be regenerated alone."""
    images = np.empty((len(sources), STORED, STORED), np.uint8)
    placements = np.empty((len(sources), 7), np.int32)
    for index, source in enumerate(sources):
        images[index], where = scene(source, np.random.default_rng([seed, index]))
        placements[index] = (where.top, where.left, where.side, *where.box)
    return images, placements


def placement(row: np.ndarray) -> Placement:
    """A row of `scenes`' placements as a Placement."""
    top, left, side, *box = (int(v) for v in row)
    return Placement(top, left, side, tuple(box))


def multi_object_scene(sources: list[np.ndarray], rng: np.random.Generator,
                       sides: tuple[int, int] = (18, 30)) -> tuple[np.ndarray, list[Placement | None]]:
    """Several garments on one background (PASCAL's role in Table 6), each at its own random side and
    position inside the center view, placed so that their frames do not overlap. Returns the canvas and
    each source's placement: None for a garment that found no free place in 50 tries (left out)."""
    canvas = background(rng).copy()
    placed: list[Placement | None] = []
    for source in sources:
        placed.append(None)
        for _ in range(50):
            side = int(rng.integers(sides[0], sides[1] + 1))
            top, left = (int(v) for v in rng.integers(MARGIN, STORED - MARGIN - side + 1, 2))
            if all(p is None or top + side <= p.top or p.top + p.side <= top or left + side <= p.left
                   or p.left + p.side <= left for p in placed):
                placed[-1] = paste(canvas, source, top, left, side)
                break
    return canvas, placed


def to_bytes(images: np.ndarray, placements: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, images=images, placements=placements)
    return buffer.getvalue()
