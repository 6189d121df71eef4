"""The paper's numbers live once, in data/paper/: every cell is transcribed (a number, or the paper's
dash where it reports none), every number the text states carries its sentence, and no chapter's prose
types a published number by hand."""

import csv
import re
from pathlib import Path

import pytest

from zfcompanion import paper

ROOT = Path(__file__).resolve().parent.parent
TABLES = sorted(paper.PAPER_DIR.glob("*.csv"))
FREE_TEXT = {"note", "quote", "operation", "method", "model", "class", "change", "occlusion_location", "key"}


@pytest.mark.parametrize("path", TABLES, ids=lambda path: path.name)
def test_every_cell_is_transcribed(path):
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert rows, f"{path.name} is empty"
    for number, row in enumerate(rows, start=2):
        for column, value in row.items():
            if column not in FREE_TEXT:
                assert value != "", f"{path.name} line {number}, {column}: empty; write the number, or {paper.NOT_REPORTED} if the paper gives none"


def test_not_reported_reads_as_missing():
    table4 = paper.table("table4").set_index("method")
    assert table4.isna().loc["(Bo et al., 2013)", "acc_15"] and table4.loc["(Jianchao et al., 2009)", "acc_30"] == 84.3
    table5 = paper.table("table5").set_index("method")
    assert table5.loc["(Sohn et al., 2011)", "acc_15"] == 35.1 and table5.loc["Non-pretr.", "acc_60_std"] == 1.4
    table7 = paper.table("table7")
    assert table7[(table7.classifier == "Softmax") & (table7.layer == 5)].cal256_60_acc.item() == 65.7


def test_text_numbers_carry_their_sentence():
    for row in paper.table("text").itertuples():
        assert f"{row.value:g}" in row.quote, row.key
        assert paper.number(row.key) == row.value
    with pytest.raises(KeyError, match="no number called"):
        paper.number("nonsense")


def published_numbers() -> set[str]:
    numbers = set()
    for path in TABLES:
        for row in csv.DictReader(path.open(encoding="utf-8")):
            numbers |= {value for column, value in row.items() if column not in FREE_TEXT and re.fullmatch(r"\d+\.\d+", value)}
    return numbers


@pytest.mark.parametrize("chapter", sorted((ROOT / "book" / "chapters").glob("*.py")), ids=lambda path: path.stem)
def test_chapter_prose_reads_published_numbers_from_data_paper(chapter):
    """A chapter's markdown may quote the paper verbatim (`> ` lines); anywhere else a published number
    must come from data/paper/ through the code, not be typed into the prose."""
    published, prose, in_markdown = published_numbers(), [], False
    for line in chapter.read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            in_markdown = "[markdown]" in line
        elif in_markdown and line.startswith("# ") and not line.startswith("# >"):
            prose.append(line)
    typed = sorted({n for line in prose for n in re.findall(r"(?<![\d.])\d+\.\d+(?![\d.])", line) if n in published})
    assert not typed, f"{chapter.name} types published numbers {typed} into its prose: read them from data/paper/"


def test_claims_carry_the_papers_sentence_and_section():
    text = paper.said("fig4.lower_early")
    assert text.startswith("§4") and '"The lower layers of the model can be seen to converge within a few epochs."' in text
    with pytest.raises(KeyError, match="no claim called 'fig99'"):
        paper.said("fig99")
