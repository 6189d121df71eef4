"""How the book writes a measured number in a table cell (the paper's empty cell is `paper.NOT_REPORTED`)."""

from __future__ import annotations

import pandas as pd

from .paper import NOT_REPORTED


def mean_std(mean: float, std: float, style: str = ".2f") -> str:
    """A table cell: 'mean ± std' over repeats, the mean alone without a spread, the paper's dash without a mean."""
    if pd.isna(mean):
        return NOT_REPORTED
    return f"{mean:{style}} ± {std:{style}}" if pd.notna(std) else f"{mean:{style}}"
