"""The paper beside this run. `beside` puts the paper's published numbers (`zfcompanion.paper`) next to
this run's; `report_claims` shows a chapter's claims (judged by the rules
of `zfcompanion.claims`) and its checks of the implementation, and keeps them for the scorecard."""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import pandas as pd

from . import verdicts
from .files import ROOT, atomic_write_bytes
from .verdicts import Check, Claim

HAND_RUN_CLAIMS = ROOT / "build" / "claims"  # where a chapter run by hand keeps its claims: never the committed book/chapters/_claims
def beside(paper: pd.DataFrame, run: pd.DataFrame, on: str, profile: str) -> pd.DataFrame:
    """Rows matched on `on`, each shared column as the paper's number next to this run's."""
    merged = paper.merge(run, on=on, how="outer", suffixes=(" (paper)", f" (this run, {profile})"), sort=False)
    shared = [column for column in paper.columns if column != on and column in run.columns]
    order = [on] + [f"{column} ({who})" for column in shared for who in ("paper", f"this run, {profile}")]
    return merged[order + [column for column in merged.columns if column not in order]]


def claims_table(claims: list[Claim], shared_caveat: str = "") -> pd.DataFrame:
    """One row per claim; a caveat column only for claims whose caveat is not the `shared_caveat`."""
    table = pd.DataFrame([{"claim": c.claim, "the paper says": c.source or "(this project's reading)",
                           "measured on this run": c.measured, "test": c.test,
                           "verdict": c.judged, "caveat": "" if c.caveat == shared_caveat else c.caveat}
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
        """The verdicts counted, the paper's claims apart from this project's readings."""
        if not self.claims:
            return ""
        return " ".join(tally_text(f"{noun} on the {self.profile} profile", group)
                        for noun, group in (("of the paper's claims", [c for c in self.claims if c.papers]),
                                            ("of this project's readings", [c for c in self.claims if not c.papers]))
                        if group)

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


def tally_text(what: str, claims: list[Claim]) -> str:
    """'N <what>: k reproduced, ...' for a list of claims."""
    counts = verdicts.counts(c.verdict for c in claims)
    return f"{len(claims)} {what}: " + ", ".join(f"{n} {v.value}" for v, n in counts.items()) + "."


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
