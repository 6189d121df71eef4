"""The book: chapters in _toc.yml order, jupytext pairs in sync, the paper's numbers transcribed."""

import math

import jupytext
import nbformat
import pytest
import yaml

from zfcompanion import book, paper, report, verdicts

from . import fixtures

CHAPTERS = book.toc_chapters()


def test_toc_lists_every_figure_and_table_in_the_papers_order():
    assert CHAPTERS == (["training_data"] + [f"fig{n}" for n in range(1, 9)] + [f"table{n}" for n in range(1, 8)]
                        + ["atlas", "attribution"])


def code_and_markdown(notebook) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells
            if "injected-parameters" not in cell.metadata.get("tags", [])]


@pytest.mark.parametrize("name", CHAPTERS)
def test_executed_notebook_matches_its_jupytext_source(name):
    source = jupytext.read(book.CHAPTERS / f"{name}.py")
    executed = nbformat.read(book.CHAPTERS / f"{name}.ipynb", as_version=4)
    assert code_and_markdown(executed) == code_and_markdown(source), (
        f"{name}.ipynb is out of date with {name}.py: run `zfcompanion book --only {name}`")
    errors = [output for cell in executed.cells for output in cell.get("outputs", []) if output.output_type == "error"]
    assert not errors


@pytest.mark.parametrize("name, shape", [("fig3_architecture", (12, 6)), ("table1", (4, 5)), ("table2", (10, 4)),
                                         ("table3", (12, 5)), ("table4", (4, 6)), ("table5", (4, 9)),
                                         ("table6", (22, 5)), ("table7", (8, 6)), ("text", (3, 4))])
def test_paper_tables_have_their_shapes(name, shape):
    assert paper.table(name).shape == shape


def test_paper_values_transcribed():
    table1 = paper.table("table1").set_index("occlusion_location")
    assert table1.loc["Random", "layer5_mean"] == 0.107 and table1.loc["Nose", "layer7_std"] == 0.011
    table2 = paper.table("table2")
    assert table2.iloc[-1].tolist()[1:] == [36.0, 14.7, 14.8]
    assert math.isnan(table2.iloc[0]["val_top1_err"])  # Gunji et al. give only a test number
    table3 = paper.table("table3")
    assert table3[(table3.base == "alexnet") & (table3.change == "Removed layer 3,4,6,7")].train_top1_err.item() == 71.1
    assert table3[table3.base == "zf"].iloc[-1].tolist()[2:] == [10.0, 38.3, 16.9]
    table5 = paper.table("table5").set_index("method")
    assert table5.loc["ImageNet-pretr.", "acc_60"] == 74.2 and table5.loc["Non-pretr.", "acc_15"] == 9.0
    assert math.isnan(table5.loc["(Sohn et al., 2011)", "acc_15_std"])  # the paper prints no spread for it
    table6 = paper.table("table6").set_index("class")
    assert table6.loc["Dog", ["A", "B", "ours"]].tolist() == [68.9, 83.0, 87.8]
    assert table6.loc["# won", ["A", "B", "ours"]].tolist() == [0, 15, 5]
    assert "repeat Cow's" in table6.loc["Dining tab", "note"]  # kept as printed, with the reason
    table7 = paper.table("table7")
    assert table7[(table7.classifier == "SVM") & (table7.layer == 5)].cal101_30_acc.item() == 86.2
    assert table7[(table7.classifier == "Softmax") & (table7.layer == 5)].cal256_60_std.item() == 0.5
    fig3 = paper.table("fig3_architecture").set_index("layer")
    assert fig3.loc["pool1", "output_size"] == 55 and fig3.loc["conv1", "kernel"] == 7


def test_claims_and_beside():
    from zfcompanion.verdicts import Claim, Verdict

    import pandas as pd

    item = Claim("layers settle", "3 epochs", "fewer than 5", Verdict.REPRODUCED, source='§4: "they converge"')
    assert item.line() == '[reproduced] layers settle (§4: "they converge") | measured: 3 epochs | test: fewer than 5'
    assert "(this project's reading)" in Claim("x", "1", "t", Verdict.REPRODUCED).line()
    untested = Claim("dead filters", "0 and 0", "ZF fewer", Verdict.NOT_TESTABLE, "no dead filters at stride 2")
    assert untested.line().endswith("| caveat: no dead filters at stride 2") and untested.verdict.label.startswith("–")
    paper = pd.DataFrame({"model": ["a", "b"], "err": [1.0, 2.0]})
    run = pd.DataFrame({"model": ["a", "b"], "err": [1.5, 2.5]})
    table = report.beside(paper, run, "model", "mini")
    assert list(table.columns) == ["model", "err (paper)", "err (this run, mini)"]
    assert table["err (this run, mini)"].tolist() == [1.5, 2.5]


def test_a_failing_chapter_is_named_with_its_cell(tmp_path, monkeypatch):
    from zfcompanion.errors import UserError

    (tmp_path / "broken.py").write_text('# %% tags=["parameters"]\nprofile = "mini"\n\n# %%\nx = 1\n\n'
                                        '# %%\nraise ValueError("the occluder is larger than the image")\n')
    monkeypatch.setattr(book, "CHAPTERS", tmp_path)
    monkeypatch.setattr(book, "FAILED", tmp_path / "failed")
    (tmp_path / "broken.ipynb").write_text("previous")
    with pytest.raises(UserError, match=r"Chapter broken failed in cell 4 \(ValueError: the occluder is larger "
                                         r"than the image\); the partly executed notebook is .*failed/broken-\w+/broken.ipynb"):
        book.execute("broken", {"profile": "paper"}, output_dir=tmp_path)
    assert (tmp_path / "broken.ipynb").read_text() == "previous"  # the last good notebook stays


def test_unknown_chapter_lists_the_chapters():
    from zfcompanion.errors import UserError

    with pytest.raises(UserError, match="No chapter called fig9: the chapters are training_data, fig1, fig2, fig3"):
        book.rebuild({}, only=["fig9"])


def test_a_chapter_run_twice_gives_the_same_notebook(tmp_path):
    """Determinism: the same chapter from the same checkpoints, twice, byte for byte (papermill's
    timestamps are dropped when the notebook is written; nothing else needs sanitizing)."""
    parameters = {"profile": "mini", "checkpoint_dir": "../../data/checkpoints/mini", "data_dir": None,
                  "device": "cpu", "seed": 0}
    shipped_claims = (book.CHAPTERS / "_claims" / "fig3.json").read_bytes()
    for run in ("first", "second"):
        (tmp_path / run).mkdir()
        book.execute("fig3", parameters, output_dir=tmp_path / run)
    first, second = ((tmp_path / run / "fig3.ipynb").read_bytes() for run in ("first", "second"))
    assert b"image/png" in first and b"start_time" not in first
    assert first == second
    # The claims go beside the notebook written, leaving the shipped ones alone.
    assert (tmp_path / "first" / "_claims" / "fig3.json").read_bytes() == shipped_claims


BOOK_SCRIPT = """
import sys
from pathlib import Path
from zfcompanion import book
parameters = {"profile": "mini", "checkpoint_dir": "../../data/checkpoints/mini", "data_dir": None, "device": "cpu", "seed": 0}
book.execute("fig3", parameters, output_dir=Path(sys.argv[1]))
"""


def test_a_chapter_killed_mid_run_leaves_no_partial_notebook_and_reruns_the_same(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    def start(out):
        out.mkdir()
        return subprocess.Popen([sys.executable, "-c", BOOK_SCRIPT, str(out)], start_new_session=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    straight = start(tmp_path / "straight")
    assert straight.wait(timeout=300) == 0, straight.stdout.read()
    killed = start(tmp_path / "killed")
    time.sleep(2.0)  # papermill has started the kernel and is running the chapter's cells
    assert killed.poll() is None, "the chapter ended before it could be killed"
    os.killpg(killed.pid, signal.SIGKILL)  # the command and its kernel
    killed.wait()
    assert not list((tmp_path / "killed").rglob("*.ipynb")) and not list((tmp_path / "killed").rglob(".*"))
    rerun = subprocess.run([sys.executable, "-c", BOOK_SCRIPT, str(tmp_path / "killed")], capture_output=True)
    assert rerun.returncode == 0, rerun.stdout
    assert (tmp_path / "killed" / "fig3.ipynb").read_bytes() == (tmp_path / "straight" / "fig3.ipynb").read_bytes()


def test_each_chapter_gets_only_the_parameters_it_declares():
    """`zfcompanion book` passes one set of parameters; papermill would warn about (and inject) the
    ones a chapter does not take, such as Fig. 8's annotations into Fig. 3."""
    common = {"profile", "checkpoint_dir", "data_dir", "device", "seed", "claims_dir"}
    assert set(book.parameter_defaults(book.notebook_from_source("fig3"))) == common
    assert set(book.parameter_defaults(book.notebook_from_source("fig8"))) == common - {"claims_dir"} | {"annotations", "part_images", "part_images_shown"}
    defaults = book.parameter_defaults(book.notebook_from_source("fig7"))
    assert defaults["network"] == "zf" and defaults["profile"] == "mini" and defaults["data_dir"] is None


def test_the_default_build_has_one_parameters_cell_and_code_behind_toggles(tmp_path, monkeypatch):
    """Values equal to the chapter's defaults are not injected (no second parameters cell on the
    page); other values are. Every other code cell's input is behind a toggle."""
    import nbformat

    (tmp_path / "tiny.py").write_text('# %% tags=["parameters"]\nprofile = "mini"\nseed: int = 0\n\n'
                                      '# %%\nprint(profile, seed)\n')
    monkeypatch.setattr(book, "CHAPTERS", tmp_path)
    monkeypatch.setattr(book, "FAILED", tmp_path / "failed")
    tags = lambda notebook: [cell.metadata.get("tags", []) for cell in notebook.cells]
    book.execute("tiny", {"profile": "mini", "seed": 0, "device": "cpu"}, output_dir=tmp_path)
    default = nbformat.read(tmp_path / "tiny.ipynb", as_version=4)
    assert tags(default) == [["parameters"], ["hide-input"]]
    assert default.cells[1].outputs[0]["text"] == "mini 0\n"
    book.execute("tiny", {"profile": "paper", "seed": 0}, output_dir=tmp_path)
    other = nbformat.read(tmp_path / "tiny.ipynb", as_version=4)
    assert tags(other) == [["parameters"], ["injected-parameters"], ["hide-input"]]
    assert other.cells[2].outputs[0]["text"] == "paper 0\n"


def test_scorecard_counts_every_verdict_and_keeps_checks_apart(tmp_path):
    from zfcompanion.verdicts import Claim, Verdict

    said = '§4: "so it is"'
    claims = [Claim("a", "1", "t", Verdict.REPRODUCED, source=said), Claim("b", "2", "t", Verdict.NOT_REPRODUCED, source=said),
              Claim("c", "3", "t", Verdict.INCONCLUSIVE, source=said),
              Claim("d", "4", "t", Verdict.NOT_TESTABLE, "stride 1 cannot alias", source=said),
              Claim("e, a reading", "|gap| 5", "t", Verdict.REPRODUCED, open_control="the untrained network")]
    report.report_claims("first", claims, "mini", tmp_path, caveat="stand-in data", profile_caveat="a smaller scale")
    report.report_claims("second", [], "mini", tmp_path, [verdicts.check("conv1 is 96×110×110", "96×110×110", True)])
    tally = book.write_scorecard(["first", "second", "absent"], tmp_path, tmp_path / "scorecard.md")
    assert list(tally.values()) == [1, 1, 1, 1]  # the project's reading is not counted with the paper's claims
    text = (tmp_path / "scorecard.md").read_text()
    assert "**4 claims of the paper**, each quoted with its section, on the mini profile: **1 reproduced**, " \
           "**1 not reproduced**, **1 inconclusive**, **1 not testable at this profile**" in text
    assert text.count("a smaller scale") == 1 and "At the mini profile, for every claim: a smaller scale." in text
    papers_part, rest = text.split("## This project's readings")
    readings_part, checks_part = rest.split("## Checks of the implementation")
    assert "| ✓ reproduced | stand-in data |" in papers_part and "| – not testable at this profile | stride 1 cannot alias |" in papers_part
    assert 'a — *§4: "so it is"*' in papers_part and "e, a reading" not in papers_part
    assert "e, a reading" in readings_part and "1 readings: **1 reproduced**" in readings_part
    assert "| ✓ reproduced (no control yet: the untrained network) |" in readings_part  # it may hold by construction
    assert "| \\|gap\\| 5 |" in readings_part  # a "|" in a cell is escaped: the row keeps its five columns
    assert "conv1 is 96×110×110" in checks_part and "conv1" not in papers_part + readings_part


def test_claims_show_once_as_a_table_and_as_lines(tmp_path):
    """The page renders a chapter's claims as one HTML table; the plain-text form nbval compares is one
    line per claim and check, and the tally. Nothing is printed besides."""
    from zfcompanion.verdicts import Claim, Verdict

    shown = report.report_claims("demo", [Claim("a <b>", "1", "t", Verdict.REPRODUCED)], "mini", tmp_path,
                                 [verdicts.check("shape", "96", False)])
    assert repr(shown).splitlines() == ["[reproduced] a <b> (this project's reading) | measured: 1 | test: t",
                                        "[implementation check FAILS] shape | measured: 96",
                                        "1 of this project's readings on the mini profile: 1 reproduced, 0 not reproduced, "
                                        "0 inconclusive, 0 not testable at this profile."]
    page = shown._repr_html_()
    assert page.count("<table") == 2 and "a &lt;b&gt;" in page and "✗ FAILS" in page


def test_the_book_passes_the_claims_folder_and_the_notebook_keeps_no_trace_of_it(tmp_path, monkeypatch):
    """`zfcompanion book` tells each chapter where to keep its claims (the `claims_dir` parameter); they
    land beside the executed notebook, and the notebook, rerun as committed (nbval, JupyterLab), keeps
    them in build/claims: no injected cell, counts 1, 2, ... as in a run without one."""
    import nbformat

    (tmp_path / "tiny.py").write_text(
        '# %% tags=["parameters"]\nfrom typing import Optional\n\nprofile: str = "mini"\nclaims_dir: Optional[str] = None\n\n'
        '# %%\nfrom zfcompanion import report\nreport.report_claims("tiny", [], profile, claims_dir or "nowhere")\n\n'
        '# %%\n1 + 1\n')
    monkeypatch.setattr(book, "CHAPTERS", tmp_path)
    monkeypatch.setattr(book, "FAILED", tmp_path / "failed")
    book.execute("tiny", {"profile": "mini"}, output_dir=tmp_path / "out")
    assert '"profile": "mini"' in (tmp_path / "out" / "_claims" / "tiny.json").read_text()
    executed = nbformat.read(tmp_path / "out" / "tiny.ipynb", as_version=4)
    assert "claims_dir = " not in nbformat.writes(executed).replace("claims_dir: Optional[str] = None", "")
    assert [cell.execution_count for cell in executed.cells] == [1, 2, 3]
    assert executed.cells[2].outputs[0]["execution_count"] == 3
    book.execute("tiny", {"profile": "paper"}, output_dir=tmp_path / "out")  # another value stays injected
    executed = nbformat.read(tmp_path / "out" / "tiny.ipynb", as_version=4)
    assert executed.cells[1].source == '# Parameters\nprofile = "paper"'
    assert not (tmp_path / "nowhere").exists() and not list((tmp_path / "failed").iterdir())


def test_buttons_that_need_the_repository_appear_only_when_its_url_is_given():
    plain = book.site_config()
    assert "repository" not in plain and "launch_buttons" not in plain
    assert not plain["html"]["use_repository_button"] and not plain["html"]["use_issues_button"]
    linked = book.site_config("https://example.org/zfcompanion")
    assert linked["repository"]["url"] == "https://example.org/zfcompanion"
    assert linked["html"]["use_repository_button"] and linked["launch_buttons"]["binderhub_url"]
    assert linked["execute"] == plain["execute"] == {"execute_notebooks": "off"}  # the rest as _config.yml says


def test_a_book_of_another_profile_is_built_apart_and_counts_its_own_claims(tmp_path, monkeypatch):
    """`zfcompanion book --profile paper` must not overwrite the committed mini notebooks, nor mix its
    claims into their scorecard: it builds in build/book-paper."""
    monkeypatch.setattr(book, "SITES", tmp_path)
    committed = {path.name: path.read_bytes() for path in [book.CHAPTERS / "fig3.ipynb", book.SCORECARD,
                                                            book.CHAPTERS / "_claims" / "fig3.json"]}
    book.rebuild({"profile": "paper", "checkpoint_dir": book.chapter_path(tmp_path), "data_dir": None,
                  "device": "cpu", "seed": 0}, only=["fig3"], html=False)
    site = tmp_path / "book-paper"
    assert (site / "book" / "chapters" / "fig3.ipynb").exists() and (site / "book" / "intro.md").exists()
    scorecard = (site / "book" / "scorecard.md").read_text()
    assert "on the paper profile" in scorecard and "mini" not in scorecard.split("## Checks")[0]
    assert {path.name: path.read_bytes() for path in [book.CHAPTERS / "fig3.ipynb", book.SCORECARD,
                                                       book.CHAPTERS / "_claims" / "fig3.json"]} == committed
    toc = yaml.safe_load(book.site_toc(site).read_text())
    assert [name for name in book.toc_chapters(site / "_toc.yml")] == ["fig3"] and toc["root"] == "book/intro"


def test_caveats_shared_by_every_claim_are_said_once_and_a_page_without_claims_shows_none(tmp_path):
    from zfcompanion.verdicts import Claim, Verdict

    claims = [Claim("a", "1", "t", Verdict.REPRODUCED), Claim("b", "2", "t", Verdict.INCONCLUSIVE, "its own")]
    shown = report.report_claims("demo", claims, "mini", tmp_path, caveat="9 images", profile_caveat="stand-ins")
    text, page = repr(shown), shown._repr_html_()
    assert text.count("9 images") == 1 and page.count("9 images") == 1 and "its own" in text and "its own" in page
    assert text.startswith("At this profile: stand-ins. For every claim: 9 images.")
    saved = (tmp_path / "demo.json").read_text()
    assert saved.count("9 images") == 1 and '"profile_caveat": "stand-ins"' in saved  # the scorecard's rows keep it
    checks_only = report.report_claims("shapes", [], "mini", tmp_path, [verdicts.check("conv1", "96", True)],
                                       profile_caveat="stand-ins")
    assert "0 claims" not in repr(checks_only) and "claims on" not in checks_only._repr_html_()


PREREQUISITES = {  # what a paper book needs, and what the message must say of it when it is missing
    "zf": ("checkpoints/zf (for fig1, fig2, fig4, ", "zfcompanion train --profile paper --data-dir {data} --arch zf --out {checkpoints}/zf`"),
    "zf-noclip": ("checkpoints/zf-noclip (for fig6: ", "--arch zf --no-clip --no-snapshots --out {checkpoints}/zf-noclip`"),
    "alexnet": ("checkpoints/alexnet (for fig6: ", "--arch alexnet --no-snapshots --out {checkpoints}/alexnet`"),
    "study": ("checkpoints/study (for table2, table3: ", "`zfcompanion study --profile paper --data-dir {data} --out {checkpoints}/study`"),
    "annotations": ("--annotations PARTS.json (for fig8, table1: ", "data/annotations/README.md"),
    "transfer": ("--transfer-dir TRANSFER (for table4, table5, table6, table7: ", "Caltech-101, Caltech-256 and PASCAL VOC 2012"),
}


@pytest.mark.parametrize("absent", PREREQUISITES)
def test_a_paper_book_missing_one_prerequisite_names_it_and_its_command_before_any_chapter(
        absent, tmp_path, monkeypatch, capsys):
    """`zfcompanion book --profile paper` with everything in place but one thing: one sentence names
    that thing, the chapters that need it and the command that makes it, and no chapter runs."""
    from zfcompanion import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(book, "execute", lambda *args, **kwargs: pytest.fail("a chapter ran"))
    fixtures.imagenet(tmp_path / "imagenet")
    from zfcompanion import study
    from zfcompanion.profiles import PAPER

    finished = [f"{run}/final.pt" for run in ("zf", "zf-noclip", "alexnet")]
    finished += [f"study/{run.name}/{study.RESULT}" for run in study.runs(PAPER)]
    (tmp_path / "checkpoints").mkdir()
    for path in finished:
        if path.split("/")[0] != absent:
            (tmp_path / "checkpoints" / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / "checkpoints" / path).write_text("{}")
    command = ["book", "--profile", "paper", "--data-dir", "imagenet", "--checkpoint-dir", "checkpoints", "--no-html"]
    if absent != "annotations":
        (tmp_path / "parts.json").write_text("{}")
        command += ["--annotations", "parts.json"]
    if absent != "transfer":
        (tmp_path / "transfer").mkdir()
        command += ["--transfer-dir", "transfer"]
    assert cli.main(command) == 2
    said = capsys.readouterr().err
    what, how = PREREQUISITES[absent]
    assert said.startswith("zfcompanion book: 1 thing the chapters need is missing: " + what), said
    assert how.format(data="imagenet", checkpoints="checkpoints") in said and said.count("\n") == 1


def test_what_the_chapters_need_is_listed_together_and_the_shipped_book_has_it(tmp_path):
    parameters = {"profile": "paper", "checkpoint_dir": str(tmp_path), "data_dir": None, "device": "cuda", "seed": 0,
                  "network": "zf"}
    (tmp_path / "zf").mkdir()  # a run begun and not finished is missing too
    (tmp_path / "study" / "zf").mkdir(parents=True)
    missing = book.missing_prerequisites(["fig2", "fig3", "fig6", "fig8", "table4", "table3"], parameters)
    assert len(missing) == 6 and missing[0].startswith(f"{tmp_path / 'zf'} (for fig2, fig6, table4: no final.pt: "
                                                       f"`zfcompanion train")
    assert any(item.startswith(f"{tmp_path / 'study'} (for table3: 16 of its 16 runs unfinished: `zfcompanion study")
               for item in missing)
    assert "--data-dir DATA --device cuda --arch zf" in missing[0]  # no data folder given: a placeholder
    assert not [item for item in missing if "fig3" in item]
    shipped = {"profile": "mini", "checkpoint_dir": "../../data/checkpoints/mini", "data_dir": None, "device": "cpu",
               "seed": 0, "network": "zf"}
    assert book.missing_prerequisites(book.toc_chapters(), shipped) == []


def test_a_chapters_own_parameter_is_set_from_the_command_line_only_where_declared(tmp_path, monkeypatch, capsys):
    """`zfcompanion book -p NAME VALUE` reaches the chapters that declare NAME, as a Python literal; a name
    no chosen chapter declares is refused in one sentence, and so is --output naming the repository."""
    from zfcompanion import cli

    received = {}
    monkeypatch.setattr(book, "execute", lambda name, parameters, output_dir: received.update({name: parameters}) or 0.0)
    monkeypatch.setattr(book, "build_html", lambda *args: None)
    site = tmp_path / "site"
    assert cli.main(["book", "--only", "atlas", "table4", "-p", "atlas_maps", "3", "-p", "scratch_per_class", "[15]",
                     "--output", str(site), "--no-html"]) == 0
    assert received["atlas"]["atlas_maps"] == 3 and received["table4"]["scratch_per_class"] == [15]
    assert (site / "book" / "scorecard.md").exists() and not (book.ROOT / "build" / "book-mini").exists()

    assert cli.main(["book", "--only", "fig3", "-p", "atlas_maps", "3", "--output", str(site)]) == 2
    assert "No chapter chosen takes the parameter atlas_maps: their parameters cells declare " in capsys.readouterr().err
    assert cli.main(["book", "--only", "fig3", "--output", str(book.ROOT)]) == 2
    assert "is this repository, whose book is the committed mini one" in capsys.readouterr().err


def test_a_rebuild_keeps_a_chapter_whose_inputs_are_unchanged_and_runs_it_when_one_changes(tmp_path, monkeypatch, capsys):
    """The executed notebook carries a digest of its inputs (`chapter_inputs`): the next `zfcompanion
    book` keeps it while they stay the same, and runs it again when the parameters, the chapter's
    source or the packages change, when --rerun asks, or when an input lies outside data/."""
    import nbformat

    from zfcompanion import chapter_inputs

    shipped = {"profile": "mini", "checkpoint_dir": "../../data/checkpoints/mini", "data_dir": None,
               "device": "cpu", "seed": 0, "network": "zf"}
    site = tmp_path / "site"
    book.rebuild(shipped, only=["fig3"], html=False, output=site)
    chapters = site / "book" / "chapters"
    assert chapter_inputs.recorded(nbformat.read(chapters / "fig3.ipynb", as_version=4))
    ran = []
    monkeypatch.setattr(book, "execute", lambda name, parameters, output_dir: ran.append(name) or 0.0)
    book.rebuild(shipped, only=["fig3"], html=False, output=site)
    assert ran == [] and "fig3 ... unchanged since it last ran" in capsys.readouterr().out
    book.rebuild({**shipped, "seed": 1}, only=["fig3"], html=False, output=site)
    book.rebuild(shipped, only=["fig3"], html=False, output=site, rerun=True)
    assert ran == ["fig3", "fig3"]

    source = book.source_text("fig3")
    with monkeypatch.context() as changed:
        changed.setattr(book, "source_text", lambda name: source + "\n# %%\n1\n")
        assert not book.is_current("fig3", shipped, chapters)
    try:
        with monkeypatch.context() as changed:
            chapter_inputs._shared_inputs.cache_clear()
            changed.setattr(chapter_inputs, "versions", lambda: {"torch": "another"})
            assert not book.is_current("fig3", shipped, chapters)
    finally:
        chapter_inputs._shared_inputs.cache_clear()
    assert book.is_current("fig3", shipped, chapters)
    assert chapter_inputs.digest(source, {"checkpoint_dir": str(tmp_path)}, book.CHAPTERS) is None  # not in data/


def test_the_inputs_digest_changes_with_any_file_of_data(tmp_path, monkeypatch):
    from zfcompanion import chapter_inputs

    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "manifest.json").write_text("{}")
    monkeypatch.setattr(chapter_inputs, "DATA", tmp_path)
    try:
        chapter_inputs._shared_inputs.cache_clear()
        before = chapter_inputs._shared_inputs(False)
        (tmp_path / "checkpoints" / "manifest.json").write_text("{ }")
        chapter_inputs._shared_inputs.cache_clear()
        assert chapter_inputs._shared_inputs(False) != before
    finally:
        chapter_inputs._shared_inputs.cache_clear()
