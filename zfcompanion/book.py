"""Rebuilding the book: papermill executes the chapters in `_toc.yml` order with the run's
parameters, the scorecard gathers their claims, then Jupyter Book renders HTML with notebook
execution off (the outputs come from papermill) and warnings as errors.

Chapters are jupytext py:percent files, `book/chapters/<name>.py`; each run writes the executed
`book/chapters/<name>.ipynb` beside it (atomically: a failed chapter leaves the previous one).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from . import chapter_inputs, verdicts
from .errors import UserError, one_sentence
from .files import ROOT, atomic_write_bytes

TOC = ROOT / "_toc.yml"
CONFIG = ROOT / "_config.yml"
COMMITTED_PROFILE = "mini"  # the embedded default, whose executed chapters and scorecard are committed
SITES = ROOT / "build"  # where the book of any other profile is built
CHAPTERS = ROOT / "book" / "chapters"
SCORECARD = ROOT / "book" / "scorecard.md"
FAILED = ROOT / "build" / "failed"
KERNEL = "python3"
KERNELSPEC = {"name": KERNEL, "display_name": "Python 3", "language": "python"}  # what papermill runs the chapters with


def chapter_path(path: Path) -> str:
    """`path` as a chapter sees it: relative to book/chapters when inside this repository (so that
    executed notebooks do not carry this machine's paths), absolute otherwise."""
    path = Path(path).resolve()
    return os.path.relpath(path, CHAPTERS) if path.is_relative_to(ROOT) else str(path)


def toc_chapters(toc: Path = TOC) -> list[str]:
    """The chapter names (files under book/chapters/) in the order `_toc.yml` lists them."""
    def files(node) -> list[str]:
        if isinstance(node, dict):
            found = [node["file"]] if "file" in node else []
            return found + [name for value in node.values() for name in files(value)]
        if isinstance(node, list):
            return [name for item in node for name in files(item)]
        return []

    prefix = "book/chapters/"
    return [name[len(prefix):] for name in files(yaml.safe_load(toc.read_text())) if name.startswith(prefix)]


def notebook_from_source(name: str):
    """The chapter's jupytext text file as a notebook, with the kernel papermill will use."""
    import jupytext

    notebook = jupytext.read(CHAPTERS / f"{name}.py")
    for index, cell in enumerate(notebook.cells):  # fixed ids, so that a rerun writes the same file
        cell.id = f"{name}-{index}"
    notebook.metadata["kernelspec"] = KERNELSPEC
    return notebook


def parameter_defaults(notebook) -> dict[str, object]:
    """What the notebook's cell tagged `parameters` assigns, name by name (the only names papermill
    should set): the literal value, or `NOT_LITERAL` for an expression."""
    cell = next((cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])), None)
    if cell is None:
        return {}
    defaults = {}
    for statement in ast.parse(cell.source).body:
        targets = [statement.target] if isinstance(statement, ast.AnnAssign) else getattr(statement, "targets", [])
        for target in targets:
            try:
                defaults[target.id] = ast.literal_eval(statement.value)
            except ValueError:
                defaults[target.id] = NOT_LITERAL
    return defaults


NOT_LITERAL = object()  # a default no passed value can equal


def for_readers(notebook) -> None:
    """Tags for the rendered page (Jupyter Book): every code cell's input behind a toggle (`hide-input`)
    except the parameters cells, which stay in view. Run in JupyterLab, the chapter's source
    (`book/chapters/*.py`) carries no such tags and shows all its code."""
    for cell in notebook.cells:
        tags = cell.metadata.setdefault("tags", [])
        if cell.cell_type == "code" and not {"parameters", "injected-parameters", "hide-input"} & set(tags):
            tags.append("hide-input")


CLAIMS_DIR = "claims_dir"  # the parameter that tells a chapter where to keep its claims (zfcompanion.chapter)


def without_run_records(notebook) -> None:
    """Drop what differs between two runs of the same chapter and says nothing about its results:
    papermill's and the kernel's timestamps, durations, the temporary input path, the random id of
    the parameters cell papermill adds, and the temporary folder the claims went to (rerun as
    committed, the chapter keeps them in build/claims). The other parameters stay."""
    parameters = notebook.metadata.get("papermill", {}).get("parameters")
    if parameters is not None:
        parameters.pop(CLAIMS_DIR, None)
    notebook.metadata["papermill"] = {"parameters": parameters} if parameters else {}
    for cell in list(notebook.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill gives it a random one
            lines = [line for line in cell.source.splitlines() if not line.startswith(f"{CLAIMS_DIR} = ")]
            cell.source = "\n".join(lines)
            if not any(line and not line.startswith("#") for line in lines):
                notebook.cells.remove(cell)
    _renumber(notebook)


def _renumber(notebook) -> None:
    """Execution counts 1, 2, ... over the code cells, as a run without the removed cell would give."""
    code = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.get("execution_count")]
    for count, cell in enumerate(code, start=1):
        cell.execution_count = count
        for output in cell.outputs:
            if output.get("output_type") == "execute_result":
                output.execution_count = count


def run_notebook(source: Path, output: Path, parameters: dict) -> None:
    """papermill: execute `source` into `output` in the chapters' folder, with `parameters` injected
    (none: no injected cell), its kernel on IPC sockets: kernel and client share this machine, and
    over TCP ipykernel warns on every start."""
    import papermill
    from jupyter_client import KernelManager

    with tempfile.TemporaryDirectory(prefix="zfc-kernel-") as sockets:
        kernel = KernelManager(kernel_name=KERNEL, transport="ipc", ip=str(Path(sockets) / "kernel"))
        try:
            papermill.execute_notebook(str(source), str(output), parameters=parameters, kernel_name=KERNEL,
                                       cwd=str(CHAPTERS), progress_bar=False, log_output=False, km=kernel)
        finally:  # a kernel passed in is the caller's to stop
            if kernel.has_kernel:
                kernel.shutdown_kernel()


def execute(name: str, parameters: dict, output_dir: Path = CHAPTERS) -> float:
    """Run one chapter with papermill into `output_dir`, with those of `parameters` that it declares;
    returns seconds. A failure names the chapter and the cell, and leaves the previous executed
    notebook as it was."""
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    FAILED.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=FAILED))  # its own folder: two runs at once never share files
    source, output = work / f"{name}.input.ipynb", work / f"{name}.ipynb"
    notebook = notebook_from_source(name)
    nbformat.write(notebook, source)
    defaults = parameter_defaults(notebook)
    parameters = chapter_parameters(defaults, parameters)
    inputs = chapter_inputs.digest(source_text(name), parameters, CHAPTERS)
    if CLAIMS_DIR in defaults:  # the chapter keeps its claims in the work folder; they join the book's with the notebook
        parameters[CLAIMS_DIR] = str(work / "_claims")
    started = time.perf_counter()
    try:
        run_notebook(source, output, parameters)
    except PapermillExecutionError as error:
        raise UserError(f"Chapter {name} failed in cell {error.exec_count} ({error.ename}: {one_sentence(error.evalue)}); "
                        f"the partly executed notebook is {output}.") from None
    executed = nbformat.read(output, as_version=4)
    without_run_records(executed)
    for_readers(executed)
    chapter_inputs.stamp(executed, inputs)
    claims = work / "_claims" / f"{name}.json"
    if claims.exists():
        atomic_write_bytes(Path(output_dir) / "_claims" / claims.name, claims.read_bytes())
    atomic_write_bytes(Path(output_dir) / f"{name}.ipynb", nbformat.writes(executed).encode() + b"\n")
    shutil.rmtree(work)
    return time.perf_counter() - started


def chapter_parameters(defaults: dict, parameters: dict) -> dict:
    """Those of the book's `parameters` that a chapter declares (its parameters cell's `defaults`) and
    that differ from its defaults: a default build shows one parameters cell, not a second with the
    same values."""
    return {key: value for key, value in parameters.items() if key in defaults and defaults[key] != value}


def source_text(name: str) -> str:
    return (CHAPTERS / f"{name}.py").read_text()


def is_current(name: str, parameters: dict, folder: Path) -> bool:
    """Whether `folder` holds chapter `name` executed from the very inputs it would be executed from now
    (`chapter_inputs`), with its claims where it reports any."""
    import nbformat

    executed = Path(folder) / f"{name}.ipynb"
    if not executed.exists():
        return False
    defaults = parameter_defaults(notebook_from_source(name))
    if CLAIMS_DIR in defaults and not (Path(folder) / "_claims" / f"{name}.json").exists():
        return False
    now = chapter_inputs.digest(source_text(name), chapter_parameters(defaults, parameters), CHAPTERS)
    return now is not None and chapter_inputs.recorded(nbformat.read(executed, as_version=4)) == now


def _row(*cells: str) -> str:
    """One row of a Markdown table; a "|" inside a cell (an absolute value) is escaped, not a column."""
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def write_scorecard(names: list[str], claims_dir: Path = CHAPTERS / "_claims",
                    path: Path = SCORECARD) -> dict[verdicts.Verdict, int]:
    """book/scorecard.md: every claim of every executed chapter with its verdict and caveat, the paper's
    own claims (quoted with their section) counted in the headline and this project's readings of its
    figures and tables apart, then the checks of the implementation; returns the counts of the paper's."""
    rows = {True: [], False: []}
    checks, judged, built_with = [], {True: [], False: []}, {}
    for name in names:
        source = claims_dir / f"{name}.json"
        if not source.exists():
            continue
        record = json.loads(source.read_text())
        built_with[record["profile"]] = built_with.get(record["profile"]) or record.get("profile_caveat", "")
        link = f"[{name}](chapters/{name}.ipynb)"
        for item in record["claims"]:
            verdict, papers = verdicts.Verdict(item["verdict"]), bool(item.get("source"))
            judged[papers].append(verdict)
            said = f" — *{item['source']}*" if papers else ""
            shown = verdicts.verdict_text(verdict, item.get("open_control", ""))
            rows[papers].append(_row(link, item["claim"] + said, item["measured"], shown, item["caveat"]))
        checks += [_row(link, item["check"], item["measured"], "✓" if item["holds"] else "✗ fails")
                   for item in record.get("checks", [])]
    tally = verdicts.counts(judged[True])
    profiles = ' and '.join(sorted(built_with)) or 'no'
    counted = lambda counts: ", ".join(f"**{count} {verdict.value}**" for verdict, count in counts.items())
    header = ["| chapter | claim | measured on this run | verdict | caveat |", "|---|---|---|---|---|"]
    text = "\n".join([
        "# Scorecard", "",
        "Every claim of the paper that a chapter checks, judged on this build's numbers by the rules of "
        "`zfcompanion.claims` (each chapter says how it measures them). A claim is *reproduced* or *not "
        "reproduced* only when the difference it is about is larger than this run's noise (seeds, splits, "
        "images) and beats a control that could give the same number without the paper's mechanism; "
        "*inconclusive* when it is not (the claim then says the smallest difference this run could detect "
        "and about how many repeats would decide it); *not testable at this profile* when this scale cannot "
        "show the phenomenon or no control can be built, with the reason.", "",
        f"**{len(judged[True])} claims of the paper**, each quoted with its section, on the {profiles} profile: "
        + counted(tally) + ".", "",
        *[f"At the {profile} profile, for every claim: {caveat}." for profile, caveat in sorted(built_with.items()) if caveat],
        "", *header, *rows[True], "",
        "## This project's readings", "",
        "What this project reads into a figure or table where no sentence of the paper states it: judged alike, "
        f"never counted with the paper's claims. {len(judged[False])} readings: "
        + counted(verdicts.counts(judged[False])) + ".", "",
        *header, *rows[False], "",
        "## Checks of the implementation", "",
        "True by construction when the code is right (shapes, constants): shown for completeness, never counted "
        "as claims of the paper.", "",
        "| chapter | check | measured | holds |", "|---|---|---|---|", *checks, ""])
    atomic_write_bytes(path, text.encode())
    return tally


def site_config(repository: str | None = None) -> dict:
    """_config.yml as the build uses it. Given the repository's URL (`zfcompanion book --repository-url`),
    every page links to it and to its issues, and offers to open the chapter on Binder in JupyterLab;
    without one (the default) no page shows a button that would lead nowhere."""
    config = yaml.safe_load(CONFIG.read_text())
    if repository:
        config["repository"] = {"url": repository, "branch": "main"}
        config["html"].update(use_repository_button=True, use_issues_button=True)
        config["launch_buttons"] = {"notebook_interface": "jupyterlab", "binderhub_url": "https://mybinder.org"}
    return config


def site_root(profile: str) -> Path:
    """Where the book of `profile` is built: this repository for the committed profile; for any other
    build/book-<profile>, so that a paper build never overwrites the committed notebooks and its
    scorecard counts its own profile's claims only."""
    return ROOT if profile == COMMITTED_PROFILE else SITES / f"book-{profile}"


def prepare_site(root: Path) -> None:
    """A book folder outside the repository: the pages that are not chapters, the styles and the
    benchmark results the pages include, copied afresh; executed chapters already there stay."""
    if root == ROOT:
        return
    (root / "book" / "chapters").mkdir(parents=True, exist_ok=True)
    for page in (ROOT / "book").glob("*.md"):
        shutil.copy2(page, root / "book" / page.name)
    shutil.copytree(ROOT / "_static", root / "_static", dirs_exist_ok=True)
    shutil.copytree(ROOT / "benchmarks" / "results", root / "benchmarks" / "results", dirs_exist_ok=True)  # performance.md's


def site_toc(root: Path) -> Path:
    """The table of contents to build `root` with: `_toc.yml` as it is for the repository; elsewhere
    without the chapters not (yet) executed there."""
    if root == ROOT:
        return TOC
    executed = {name for name in toc_chapters() if (root / "book" / "chapters" / f"{name}.ipynb").exists()}

    def kept(node):
        if isinstance(node, dict):
            return {key: kept(value) for key, value in node.items()}
        if isinstance(node, list):
            return [kept(item) for item in node if not (isinstance(item, dict) and str(item.get("file", "")).startswith(
                "book/chapters/") and item["file"].removeprefix("book/chapters/") not in executed)]
        return node

    toc = root / "_toc.yml"
    atomic_write_bytes(toc, yaml.safe_dump(kept(yaml.safe_load(TOC.read_text())), sort_keys=False).encode())
    return toc


def build_html(repository: str | None = None, root: Path = ROOT) -> None:
    """Jupyter Book with execution off and warnings as errors; the HTML goes to `root`/_build/html. Every
    page is rebuilt (`--all`): Sphinx rebuilds only changed pages, which would keep an old table of
    contents in the sidebar of every unchanged page after a chapter is added."""
    executable = Path(sys.executable).parent / "jupyter-book"  # the one installed beside this Python
    config = SITES / "site" / "_config.yml" if root == ROOT else root / "_config.yml"
    atomic_write_bytes(config, yaml.safe_dump(site_config(repository), sort_keys=False, allow_unicode=True).encode())
    command = [str(executable), "build", str(root), "--config", str(config), "--toc", str(site_toc(root)),
               "-W", "-n", "--keep-going", "--all"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-4000:], sep="\n", file=sys.stderr)
        raise UserError("jupyter-book build failed (its warnings are above); fix them and run `zfcompanion book --html-only`.")


NETWORKS_READ = {"fig4": ["zf"], "fig6": ["zf-noclip", "alexnet", "zf"], "table2": ["study"], "table3": ["study"]}


def missing_prerequisites(names: list[str], parameters: dict) -> list[str]:
    """What the chapters `names` will need and not find, with `parameters` (`zfcompanion book`'s), each
    as "what (for which chapters: how to make it)": the finished network each studies and the other
    finished runs some read, the annotations of Fig. 8 and Table 1, and the transfer datasets of
    Tables 4-7 where the profile has none of its own."""
    from . import profiles
    from .data import TRANSFER_LAYOUTS

    profile = profiles.get(parameters["profile"])
    folder = _shown(CHAPTERS / parameters["checkpoint_dir"])  # a chapter path: relative to book/chapters, or absolute
    needed: dict[str, tuple[list[str], str]] = {}  # what -> (the chapters that need it, how to make it)
    for name in names:
        declared = parameter_defaults(notebook_from_source(name))
        runs = NETWORKS_READ.get(name, [parameters.get("network", "zf")] if "network" in declared else [])
        for run in runs:
            unfinished = _unfinished(folder, run, profile)
            if unfinished:
                how = f"{unfinished}: {_run_command(run, folder, parameters)}"
                needed.setdefault(str(folder / run), ([], how))[0].append(name)
        if "annotations" in declared and not parameters.get("annotations") and profile.correspondence_class is None:
            needed.setdefault("--annotations PARTS.json", ([], "images of one class and their parts, as "
                                                            "data/annotations/README.md describes"))[0].append(name)
        needs_transfer = any(target in TRANSFER_LAYOUTS for target in profile.transfer_targets.values())
        if "transfer_dir" in declared and needs_transfer and not parameters.get("transfer_dir"):
            needed.setdefault("--transfer-dir TRANSFER", ([], "a folder holding Caltech-101, Caltech-256 and "
                                                           "PASCAL VOC 2012 in torchvision's layouts (README)"))[0].append(name)
    return [f"{what} (for {', '.join(chapters)}: {how})" for what, (chapters, how) in needed.items()]


def _unfinished(folder: Path, run: str, profile) -> str:
    """What is missing of the run folder `folder/run` that a chapter reads ('' when nothing is): its
    final.pt, or for the study the result.json of some of its runs."""
    from .checkpoints import FINAL
    from .study import RESULT, runs

    if run != "study":
        return "" if (folder / run / FINAL).is_file() else f"no {FINAL}"
    left = [one for one in runs(profile) if not (folder / run / one.name / RESULT).is_file()]
    return f"{len(left)} of its {len(runs(profile))} runs unfinished" if left else ""


def _shown(path: Path) -> Path:
    """`path` as a user would type it here: relative to the current folder when under it."""
    path = Path(os.path.abspath(path))
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


def _run_command(run: str, folder: Path, parameters: dict) -> str:
    """The command that makes the run folder `folder/run` that a chapter reads."""
    from .models import VARIANTS

    data = _shown(CHAPTERS / parameters["data_dir"]) if parameters.get("data_dir") else "DATA"
    device = f" --device {parameters['device']}" if parameters.get("device", "cpu") != "cpu" else ""
    common = f"--profile {parameters['profile']} --data-dir {data}{device}"
    if run == "study":
        return f"`zfcompanion study {common} --out {folder / run}`, split between GPUs with --shard and --shards"
    if run == "alexnet-torchvision":
        return f"`zfcompanion data --download-weights alexnet`, then `zfcompanion data --import-weights alexnet --out {folder / run}`"
    parts = run.split("-")
    seed = int(parts.pop()[4:]) if parts[-1].startswith("seed") and parts[-1][4:].isdigit() else 0
    clipped = "noclip" not in parts
    arch, variant = parts[0], "-".join(part for part in parts[1:] if part != "noclip") or "base"
    if arch not in ("zf", "alexnet") or variant not in VARIANTS:
        return f"train it with `zfcompanion train {common} --out {folder / run}` and the settings it should have"
    options = [f"--arch {arch}"] + ([f"--variant {variant}"] if variant != "base" else [])
    options += ([] if clipped else ["--no-clip"]) + ([f"--seed {seed}"] if seed else [])
    options += [] if run == "zf" else ["--no-snapshots"]  # only Fig. 4 reads snapshots, of zf
    return f"`zfcompanion train {common} {' '.join(options)} --out {folder / run}`"


def rebuild(parameters: dict, only: list[str] | None = None, execute_chapters: bool = True, html: bool = True,
            repository: str | None = None, chapter_values: dict | None = None, output: Path | None = None,
            rerun: bool = False) -> None:
    """Execute the chapters (all, or `only` these), refresh the scorecard, render the HTML, all in
    `output` or else the profile's book folder (`site_root`). `chapter_values` sets parameters of the
    chapters themselves (e.g. the atlas's `atlas_maps`), each in the chapters that declare it. A
    chapter executed before from the same inputs (`is_current`) is kept as it is, unless `rerun`."""
    if output is not None and Path(output).resolve() == ROOT:
        raise UserError(f"--output {output} is this repository, whose book is the committed {COMMITTED_PROFILE} one: "
                        f"leave --output out to rebuild that, or pass another folder.")
    names = toc_chapters()
    unknown = sorted(set(only or []) - set(names))
    if unknown:
        raise UserError(f"No chapter called {', '.join(unknown)}: the chapters are {', '.join(names)}.")
    chosen = [name for name in names if (not only or name in only) and execute_chapters]
    declared = {key for name in chosen for key in parameter_defaults(notebook_from_source(name))}
    undeclared = sorted(set(chapter_values or {}) - declared)
    if undeclared:
        raise UserError(f"No chapter chosen takes the parameter {', '.join(undeclared)}: their parameters cells "
                        f"declare {', '.join(sorted(declared - {CLAIMS_DIR}))}.")
    parameters = {**parameters, **(chapter_values or {})}
    missing = missing_prerequisites(chosen, parameters)
    if missing:  # said before the first chapter runs, not after hours of the others
        things = "1 thing the chapters need is" if len(missing) == 1 else f"{len(missing)} things the chapters need are"
        raise UserError(f"{things} missing: " + "; ".join(missing) + "; provide them, or pass --only with the "
                        "chapters that can run.")
    root = Path(output).resolve() if output is not None else site_root(parameters["profile"])
    prepare_site(root)
    chapters = root / "book" / "chapters"
    for index, name in enumerate(chosen, start=1):
        print(f"[{index}/{len(chosen)}] {name} ...", end=" ", flush=True)
        if not rerun and is_current(name, parameters, chapters):
            print("unchanged since it last ran (its source, parameters, the library, data/ and the packages): kept",
                  flush=True)
            continue
        print(f"done in {execute(name, parameters, chapters):.0f} s", flush=True)
    tally = write_scorecard(names, chapters / "_claims", root / "book" / "scorecard.md")
    print("Scorecard: " + ", ".join(f"{count} {verdict.value}" for verdict, count in tally.items()) + ".")
    if html:
        build_html(repository, root)
        print(f"Book written to {root / '_build' / 'html' / 'index.html'}")
