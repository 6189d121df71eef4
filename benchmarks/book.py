"""Rebuild time of the book: every chapter executed as `make book` executes it (papermill, the shipped
mini checkpoints), timed one by one, against the anchor of an empty chapter run the same way (the
kernel's start and papermill's own work, which no chapter can avoid). The notebooks are written to a
temporary folder, so the book itself is left as it is.

    python benchmarks/book.py                 # the caches as they are (a second `make book` with --rerun)
    python benchmarks/book.py --cold          # empty caches: datasets decompressed, features extracted
    python benchmarks/book.py --only table5 fig4
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import nbformat
import torch

from zfcompanion import book, chapter_inputs

RESULTS = Path(__file__).resolve().parent / "results"
PARAMETERS = {"profile": "mini", "checkpoint_dir": "../../data/checkpoints/mini", "data_dir": None, "device": "cpu",
              "seed": 0}


def empty_chapter(folder: Path) -> float:
    """Seconds for papermill to run a chapter with one parameters cell and nothing else."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("seed = 0", metadata={"tags": ["parameters"]})])
    notebook.metadata["kernelspec"] = book.KERNELSPEC
    source = folder / "empty.ipynb"
    nbformat.write(notebook, source)
    started = time.perf_counter()
    book.run_notebook(source, folder / "empty.out.ipynb", {"seed": 0})
    return time.perf_counter() - started


def time_unchanged(names: list[str], folder: Path) -> float:
    """Seconds for `zfcompanion book` to find every chapter in `folder` executed from the inputs it has
    now (`book.is_current`), from a cold start of the digests, as a second run in a new process has."""
    chapter_inputs._shared_inputs.cache_clear()
    chapter_inputs.versions.cache_clear()
    started = time.perf_counter()
    assert all(book.is_current(name, PARAMETERS, folder) for name in names)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="start from empty caches (ZFCOMPANION_CACHE in a temporary folder)")
    parser.add_argument("--only", nargs="+", metavar="CHAPTER", help="time only these chapters")
    args = parser.parse_args()
    names = [name for name in book.toc_chapters() if not args.only or name in args.only]
    with tempfile.TemporaryDirectory() as folder:
        if args.cold:
            os.environ["ZFCOMPANION_CACHE"] = str(Path(folder) / "cache")  # the kernels inherit it
        anchor = min(empty_chapter(Path(folder)) for _ in range(2))
        seconds = {}
        for name in names:
            seconds[name] = book.execute(name, PARAMETERS, output_dir=Path(folder))
            print(f"{name:12s} {seconds[name]:6.1f} s", flush=True)
        unchanged = time_unchanged(names, Path(folder))
    total = sum(seconds.values())
    lines = [f"`zfcompanion book` chapter by chapter, mini profile, {'cold' if args.cold else 'warm'} caches; "
             f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}",
             f"anchor: an empty chapter through papermill (kernel start and papermill) {anchor:.1f} s", "",
             f"{'chapter':12s} {'seconds':>8s} {'share':>6s} {'x empty':>8s}"]
    lines += [f"{name:12s} {value:8.1f} {value / total:6.0%} {value / anchor:8.1f}"
              for name, value in sorted(seconds.items(), key=lambda item: -item[1])]
    lines += ["", f"{'total':12s} {total:8.1f} s = {total / 60:.1f} min for {len(seconds)} chapters "
                  f"(target: <= 5 min on 2 cores, warm); of which the kernels' start "
                  f"{len(seconds) * anchor:.0f} s",
              f"a rebuild that changes nothing (`zfcompanion book` again): every chapter found unchanged, none executed, "
              f"in {unchanged:.1f} s (the inputs digested afresh: chapters, library, data/, Fashion-MNIST, packages)"]
    print("\n".join(lines))
    if not args.only:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"book_{'cold' if args.cold else 'warm'}.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
