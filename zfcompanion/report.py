"""The paper beside this run. `paper_table` reads the paper's published numbers (data/paper/);
`beside` puts them next to this run's; `report_claims` shows a chapter's claims (judged by the rules
of `zfcompanion.claims`) and its checks of the implementation, and keeps them for the scorecard."""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import pandas as pd

from . import verdicts
from .files import ROOT, atomic_write_bytes
from .verdicts import Claim

PAPER_DIR = ROOT / "data" / "paper"
HAND_RUN_CLAIMS = ROOT / "build" / "claims"  # where a chapter run by hand keeps its claims: never the committed book/chapters/_claims
NOT_REPORTED = "—"  # a cell the paper leaves empty; data/paper/ has no empty cell (tests/test_paper_numbers.py)


def paper_table(name: str) -> pd.DataFrame:
    """One of the paper's tables as transcribed in data/paper/<name>.csv; a number the paper does not
    report is NaN."""
    return pd.read_csv(PAPER_DIR / f"{name}.csv", na_values=[NOT_REPORTED])


def paper_number(key: str) -> float:
    """A number the paper states in its text (data/paper/text.csv, with the sentence it comes from)."""
    numbers = paper_table("text").set_index("key")
    if key not in numbers.index:
        raise KeyError(f"data/paper/text.csv has no number called {key!r}: it has {', '.join(numbers.index)}")
    return float(numbers.loc[key, "value"])


def mean_std(mean: float, std: float, style: str = ".2f") -> str:
    """A table cell: 'mean ± std' over repeats, the mean alone without a spread, the paper's dash without a mean."""
    if pd.isna(mean):
        return NOT_REPORTED
    return f"{mean:{style}} ± {std:{style}}" if pd.notna(std) else f"{mean:{style}}"


def beside(paper: pd.DataFrame, run: pd.DataFrame, on: str, profile: str) -> pd.DataFrame:
    """Rows matched on `on`, each shared column as the paper's number next to this run's."""
    merged = paper.merge(run, on=on, how="outer", suffixes=(" (paper)", f" (this run, {profile})"), sort=False)
    shared = [column for column in paper.columns if column != on and column in run.columns]
    order = [on] + [f"{column} ({who})" for column in shared for who in ("paper", f"this run, {profile}")]
    return merged[order + [column for column in merged.columns if column not in order]]


@dataclass(frozen=True)
class Check:
    """A check of the implementation: true by construction when the code is right (a shape, a constant),
    so it is shown as such and never counted among the paper's claims."""
    check: str
    measured: str
    holds: bool


def check(text: str, measured: str, holds: bool) -> Check:
    return Check(text, measured, bool(holds))


def claims_table(claims: list[Claim], shared_caveat: str = "") -> pd.DataFrame:
    """One row per claim; a caveat column only for claims whose caveat is not the `shared_caveat`."""
    table = pd.DataFrame([{"the paper's claim": c.claim, "measured on this run": c.measured, "test": c.test,
                           "verdict": c.verdict.label, "caveat": "" if c.caveat == shared_caveat else c.caveat}
                          for c in claims])
    return table.drop(columns="caveat") if not table["caveat"].any() else table


def checks_table(checks: list[Check]) -> pd.DataFrame:
    return pd.DataFrame([{"check of the implementation": c.check, "measured": c.measured,
                          "holds": "✓" if c.holds else "✗ FAILS"} for c in checks])


@dataclass
class ClaimsReport:
    """A chapter's claims and checks, shown once: as a table in the rendered page (HTML) and as one
    line each in the notebook's plain-text output, which nbval compares. The profile's caveat, which
    holds for every claim, is said once."""

    claims: list[Claim]
    checks: list[Check]
    profile: str
    profile_caveat: str = ""
    caveat: str = ""  # the chapter's, shared by every claim without one of its own

    def tally(self) -> str:
        if not self.claims:
            return ""
        counts = verdicts.counts(c.verdict for c in self.claims)
        return (f"{len(self.claims)} claims on the {self.profile} profile: "
                + ", ".join(f"{n} {v.value}" for v, n in counts.items()) + ".")

    def scale(self) -> str:
        """The caveats every claim shares, said once."""
        if not self.claims:
            return ""
        parts = [f"At this profile: {self.profile_caveat}." if self.profile_caveat else "",
                 f"For every claim: {self.caveat}." if self.caveat else ""]
        return " ".join(part for part in parts if part)

    def __repr__(self) -> str:
        lines = [self.scale()] if self.scale() else []
        lines += [(item if item.caveat != self.caveat else replace(item, caveat="")).line() for item in self.claims]
        lines += [f"[implementation check {'holds' if item.holds else 'FAILS'}] {item.check} | measured: {item.measured}"
                  for item in self.checks]
        return "\n".join([*lines, self.tally()] if self.claims else lines)

    def _repr_html_(self) -> str:
        parts = [f"<p><strong>{html.escape(self.tally())}</strong> {html.escape(self.scale())}</p>"] if self.claims else []
        if self.claims:
            parts.append(claims_table(self.claims, self.caveat).to_html(index=False, classes="claims"))
        if self.checks:
            parts += ["<p>Checks of the implementation (true by construction when the code is right; not claims):</p>",
                      checks_table(self.checks).to_html(index=False, classes="claims")]
        return "\n".join(parts)


def report_claims(chapter: str, claims: list[Claim], profile: str, folder: Path, checks: list[Check] = (),
                  caveat: str = "", profile_caveat: str = "") -> ClaimsReport:
    """Save the chapter's claims (and its checks of the implementation) in `folder` for the scorecard
    and return them for display. `caveat` (the chapter's) becomes the caveat of every claim that has
    none of its own; `profile_caveat` (what the profile's scale changes) is kept once."""
    claims = [c if c.caveat else replace(c, caveat=caveat) for c in claims]
    record = {"chapter": chapter, "profile": profile, "profile_caveat": profile_caveat,
              "claims": [{**asdict(c), "verdict": c.verdict.value} for c in claims],
              "checks": [asdict(c) for c in checks]}
    atomic_write_bytes(Path(folder) / f"{chapter}.json", (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode())
    return ClaimsReport(claims, list(checks), profile, profile_caveat, caveat)
