"""The paper beside this run. `paper_table` reads the paper's published numbers (data/paper/);
`beside` puts them next to this run's; `claim` records one of the paper's claims as a check on this
run's numbers, and `report_claims` shows a chapter's claims and keeps them for the scorecard."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from .files import atomic_write_bytes

PAPER_DIR = Path(__file__).resolve().parent.parent / "data" / "paper"
CLAIMS_ENV = "ZFCOMPANION_CLAIMS_DIR"  # set by `book.execute` to beside the notebook it writes


def paper_table(name: str) -> pd.DataFrame:
    """One of the paper's tables as transcribed in data/paper/<name>.csv (missing numbers are NaN)."""
    return pd.read_csv(PAPER_DIR / f"{name}.csv")


def beside(paper: pd.DataFrame, run: pd.DataFrame, on: str, profile: str) -> pd.DataFrame:
    """Rows matched on `on`, each shared column as the paper's number next to this run's."""
    merged = paper.merge(run, on=on, how="outer", suffixes=(" (paper)", f" (this run, {profile})"), sort=False)
    shared = [column for column in paper.columns if column != on and column in run.columns]
    order = [on] + [f"{column} ({who})" for column in shared for who in ("paper", f"this run, {profile}")]
    return merged[order + [column for column in merged.columns if column not in order]]


@dataclass(frozen=True)
class Claim:
    claim: str  # the paper's claim, in words
    measured: str  # the quantity measured on this run, with its value
    test: str  # the rule that decides
    reproduced: bool

    def line(self) -> str:
        verdict = "reproduced" if self.reproduced else "NOT reproduced"
        return f"[{verdict}] {self.claim} | measured: {self.measured} | test: {self.test}"


def claim(text: str, measured: str, test: str, reproduced: bool) -> Claim:
    return Claim(text, measured, test, bool(reproduced))


def claims_table(claims: list[Claim]) -> pd.DataFrame:
    return pd.DataFrame([{"the paper's claim": c.claim, "measured on this run": c.measured, "test": c.test,
                          "verdict": "✓ reproduced" if c.reproduced else "✗ not reproduced"} for c in claims])


def report_claims(chapter: str, claims: list[Claim], profile: str) -> pd.DataFrame:
    """Print each claim (so that nbval compares them), save them for the scorecard, return the table."""
    for item in claims:
        print(item.line())
    print(f"{sum(c.reproduced for c in claims)} of {len(claims)} claims reproduced on the {profile} profile.")
    record = {"chapter": chapter, "profile": profile, "claims": [asdict(c) for c in claims]}
    # Run by hand (JupyterLab), a chapter runs in its folder: its claims go beside it.
    claims_dir = Path(os.environ.get(CLAIMS_ENV, "_claims"))
    atomic_write_bytes(claims_dir / f"{chapter}.json", (json.dumps(record, indent=2) + "\n").encode())
    return claims_table(claims)
