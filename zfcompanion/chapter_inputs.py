"""What an executed chapter's outputs depend on, as one digest, so that a rebuild that changes nothing
runs nothing: the chapter's source, the parameters it is given, the library's code, the repository's
data/ (checkpoints, annotations, the paper's tables), the Fashion-MNIST files the mini profile reads,
and the versions of Python and of the packages the project pins.

`zfcompanion book` keeps the digest in each executed notebook's metadata and skips a chapter whose
notebook (and claims) carry the digest of its inputs now; `--rerun` executes it anyway. Only chapters
whose inputs can all be digested are ever skipped: a path outside the repository's data/ (ImageNet, a
checkpoint folder of one's own) makes `digest` None, and such a chapter always runs (its `memo`
results still spare it the recomputations).
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import re
from importlib import metadata
from pathlib import Path

from . import memo
from .errors import UserError
from .files import ROOT

DATA = ROOT / "data"
CONSTRAINTS = ROOT / "constraints.txt"
PATH_PARAMETERS = ("checkpoint_dir", "data_dir", "annotations", "transfer_dir")
KEY = "inputs"  # under the executed notebook's metadata["zfcompanion"]


def digest(source: str, parameters: dict, chapters: Path) -> str | None:
    """The digest of a chapter's inputs: its jupytext `source`, the `parameters` it is given (paths in
    them relative to `chapters`, the folder it runs in), and what every chapter reads; None when a path
    leads outside the repository's data/."""
    paths = [(chapters / str(parameters[key])).resolve() for key in PATH_PARAMETERS if parameters.get(key)]
    if not all(path.is_relative_to(DATA) for path in paths):
        return None
    shared = _shared_inputs(parameters.get("data_dir") is None)
    if shared is None:
        return None
    hasher = hashlib.sha256()
    for part in (source, json.dumps(parameters, sort_keys=True, default=str), memo.code_version(), shared):
        hasher.update(part.encode() + b"\0")
    return hasher.hexdigest()[:32]


@functools.cache
def _shared_inputs(default_fashion_mnist: bool) -> str | None:
    """What every chapter reads, digested once per process: the files under data/, Fashion-MNIST's
    files where the chapters read the default copy, and the interpreter's and pinned packages'
    versions; None where Fashion-MNIST is missing (the chapter then runs, and says how to get it)."""
    hasher = hashlib.sha256()
    files = sorted(path for path in DATA.rglob("*") if path.is_file())
    if default_fashion_mnist:
        from .data import fashion_mnist_root  # the files the mini profile's scenes are made from

        try:
            files += sorted((fashion_mnist_root(None) / "FashionMNIST" / "raw").glob("*-ubyte"))
        except UserError:
            return None
    for path in files:
        hasher.update(str(path.relative_to(DATA) if path.is_relative_to(DATA) else path.name).encode() + b"\0")
        hasher.update(hashlib.sha256(path.read_bytes()).digest())
    hasher.update(json.dumps(versions()).encode())
    return hasher.hexdigest()


@functools.cache
def versions() -> dict[str, str]:
    """Python's version, the machine's architecture and the installed version of every package
    constraints.txt pins (the numerical ones decide the printed digits; pip itself is left out)."""
    pinned = [re.split(r"[=<>!~\[ ]", line.strip())[0] for line in CONSTRAINTS.read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    found = {"python": platform.python_version(), "machine": platform.machine()}
    for name in pinned:
        try:
            found[name.lower()] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name.lower()] = "absent"
    return found


def recorded(notebook) -> str | None:
    """The digest an executed notebook was stamped with, if any."""
    return notebook.metadata.get("zfcompanion", {}).get(KEY)


def stamp(notebook, value: str | None) -> None:
    """Record `value` (or nothing, for inputs that cannot be digested) in an executed notebook."""
    notebook.metadata.pop("zfcompanion", None)
    if value is not None:
        notebook.metadata["zfcompanion"] = {KEY: value}
