"""The paper as this project knows it, transcribed once in data/paper/: its tables (`table`), the numbers
its text states (`number`), and the sentences that make its claims (`said`), each with its section."""

from __future__ import annotations

import pandas as pd

from .files import ROOT

PAPER_DIR = ROOT / "data" / "paper"
NOT_REPORTED = "—"  # a cell the paper leaves empty; data/paper/ has no empty cell (tests/test_paper_numbers.py)


def table(name: str) -> pd.DataFrame:
    """One of the paper's tables as transcribed in data/paper/<name>.csv; a number the paper does not
    report is NaN."""
    return pd.read_csv(PAPER_DIR / f"{name}.csv", na_values=[NOT_REPORTED])


def number(key: str) -> float:
    """A number the paper states in its text (data/paper/text.csv, with the sentence it comes from)."""
    numbers = table("text").set_index("key")
    if key not in numbers.index:
        raise KeyError(f"data/paper/text.csv has no number called {key!r}: it has {', '.join(numbers.index)}")
    return float(numbers.loc[key, "value"])


def said(key: str) -> str:
    """Where and how the paper states one of its claims (data/paper/claims.csv): 'section: "sentence"'."""
    claims = pd.read_csv(PAPER_DIR / "claims.csv", keep_default_na=False).set_index("key")
    if key not in claims.index:
        raise KeyError(f"data/paper/claims.csv has no claim called {key!r}: it has {', '.join(claims.index)}")
    return f'{claims.loc[key, "section"]}: "{claims.loc[key, "quote"]}"'
