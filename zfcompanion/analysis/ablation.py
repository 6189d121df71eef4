"""Table 3: the ablation study's runs summarized per architectural change, mean ± std over seeds,
with Welch's t-test of each change against the unchanged network of the same architecture."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..models import VARIANTS

# The paper's wording for each change (Table 3's "change" column); our variant names on the left.
PAPER_CHANGES = {
    "base": "none",
    "no-conv34": "Removed layers 3,4",
    "no-fc7": "Removed layer 7",
    "no-fc67": "Removed layers 6,7",
    "no-conv34-fc67": "Removed layer 3,4,6,7",
    "fc-half": "Adjust layers 6,7: 2048 units",
    "fc-double": "Adjust layers 6,7: 8192 units",
    "wide-conv345": "Adjust layers 3,4,5: 512,1024,512 maps",
    "wide-conv345-fc-double": "Adjust layers 6,7: 8192 units and Layers 3,4,5: 512,1024,512 maps",
}
REMOVALS = ("no-conv34", "no-fc7", "no-fc67", "no-conv34-fc67")
SIGNIFICANCE = 0.05


def _welch_p(values: np.ndarray, base: np.ndarray) -> float:
    """Two-sided p-value of Welch's t-test; NaN with fewer than two runs on either side."""
    if len(values) < 2 or len(base) < 2:
        return float("nan")
    return float(stats.ttest_ind(values, base, equal_var=False).pvalue)


def summarize(results: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """One row per (arch, variant) in `VARIANTS` order: mean and std of each column over seeds, the
    number of seeds, the change in the first column's mean against the base network, and its p-value."""
    rows = []
    first = columns[0]
    for arch, runs in results.groupby("arch", sort=False):
        base = runs[runs.variant == "base"][first].to_numpy()
        for variant in VARIANTS:
            chosen = runs[runs.variant == variant]
            if chosen.empty:
                continue
            row = {"arch": arch, "variant": variant, "seeds": len(chosen)}
            for column in columns:
                row[f"{column} mean"] = chosen[column].mean()
                row[f"{column} std"] = chosen[column].std(ddof=1) if len(chosen) > 1 else float("nan")
            row[f"{first} change"] = chosen[first].mean() - base.mean()
            row["p"] = float("nan") if variant == "base" else _welch_p(chosen[first].to_numpy(), base)
            rows.append(row)
    return pd.DataFrame(rows).set_index(["arch", "variant"])


def per_seed(results: pd.DataFrame, arch: str, column: str) -> dict[str, list[float]]:
    """One architecture's runs from `study.results`: variant -> `column` of each of its seeds, in seed order."""
    chosen = results[results.arch == arch].sort_values("seed")
    return {variant: runs[column].tolist() for variant, runs in chosen.groupby("variant", sort=False)}


def change(summary: pd.DataFrame, arch: str, variant: str, column: str) -> float:
    """How much `variant` moves the mean of `column` against the base network of `arch`."""
    return summary.loc[(arch, variant), f"{column} mean"] - summary.loc[(arch, "base"), f"{column} mean"]
