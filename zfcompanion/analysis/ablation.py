"""Table 3: the ablation study's runs summarized per architectural change, mean ± std over seeds,
with Welch's t-test (`verdicts.difference`) of each change against the unchanged network of the same architecture."""

from __future__ import annotations

import pandas as pd

from ..cells import mean_std
from ..paper import NOT_REPORTED
from ..study import CONFIGURATIONS
from ..verdicts import difference

# The paper's wording for each change (Table 3's "change" column).
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
SIGNIFICANCE = 0.05


def summarize(results: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """One row per (arch, variant) in the paper's order: mean and std of each column over seeds, the
    number of seeds, the change in the first column's mean against the base network, and its p-value."""
    rows = []
    first = columns[0]
    for arch, runs in results.groupby("arch", sort=False):
        base = runs[runs.variant == "base"][first].to_numpy()
        for variant in CONFIGURATIONS[arch]:
            chosen = runs[runs.variant == variant]
            if chosen.empty:
                continue
            row = {"arch": arch, "variant": variant, "seeds": len(chosen)}
            for column in columns:
                row[f"{column} mean"] = chosen[column].mean()
                row[f"{column} std"] = chosen[column].std(ddof=1) if len(chosen) > 1 else float("nan")
            row[f"{first} change"] = chosen[first].mean() - base.mean()
            row["p"] = float("nan") if variant == "base" else difference(chosen[first], base).p  # Welch
            rows.append(row)
    return pd.DataFrame(rows).set_index(["arch", "variant"])


def per_seed(results: pd.DataFrame, arch: str, column: str) -> dict[str, list[float]]:
    """One architecture's runs from `study.results`: variant -> `column` of each of its seeds, in seed order."""
    chosen = results[results.arch == arch].sort_values("seed")
    return {variant: runs[column].tolist() for variant, runs in chosen.groupby("variant", sort=False)}


def change(summary: pd.DataFrame, arch: str, variant: str, column: str) -> float:
    """How much `variant` moves the mean of `column` against the base network of `arch`."""
    return summary.loc[(arch, variant), f"{column} mean"] - summary.loc[(arch, "base"), f"{column} mean"]


def beside_paper(summary: pd.DataFrame, paper: pd.DataFrame, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 3's layout as two tables on the same rows: each change in the paper's words with the
    paper's errors (`paper`, indexed by (base, variant)), and this run's mean ± std over seeds
    (`summary` from `summarize`) with the change in validation top-1 against the unchanged network and
    whether Welch's test finds it significant."""
    def cells(column: str) -> list[str]:
        return [mean_std(mean, std) for mean, std in zip(summary[f"{column} mean"], summary[f"{column} std"])]

    published = pd.DataFrame({
        "change (the paper's words)": [PAPER_CHANGES[variant] for _, variant in summary.index],
        "train top-1": paper.train_top1_err.reindex(summary.index),
        "val top-1": paper.val_top1_err.reindex(summary.index),
        "val top-5": paper.val_top5_err.reindex(summary.index),
    }, index=summary.index)
    significant = ["—" if pd.isna(p) else ("yes" if p < SIGNIFICANCE else "no") for p in summary.p]
    measured = pd.DataFrame({
        "train top-1": cells("train_top1_err"),
        "val top-1": cells("val_top1_err"),
        f"val top-{k}": cells(f"val_top{k}_err"),
        "val top-1 change": summary["val_top1_err change"].round(2),
        "p (Welch)": [NOT_REPORTED if pd.isna(p) else f"{p:.4f}" for p in summary.p],
        "significant": significant,
    }, index=summary.index)
    return published, measured
