"""A chapter's papermill parameters, checked before the chapter does any work.

Every chapter's parameters cell declares each parameter with its type (`k: int = 9`); papermill
injects the caller's values in a cell after it. `check(globals())` compares each value with its
declared type and the common parameters with this machine (the profile exists, the folders and
files exist, the device is there), so that a mistake stops the chapter at once with one sentence
rather than with a traceback from deep inside a library call.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path

from . import profiles
from .errors import UserError
from .devices import resolve_device

MAY_BE_ZERO = {"seed", "jitter", "probe_images", "image"}  # seeds, offsets, indices; every other whole number counts something
PATHS = ("checkpoint_dir", "data_dir", "transfer_dir", "annotations")  # must exist when given
NAMES = {int: "a whole number", float: "a number", str: "a string", bool: "True or False", type(None): "None"}


def _matches(value: object, annotation: object) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, option) for option in typing.get_args(annotation))
    if origin is list:
        (item,) = typing.get_args(annotation)
        return isinstance(value, list) and all(_matches(element, item) for element in value)
    if annotation in (int, float) and isinstance(value, bool):  # bool is an int to Python, not to a reader
        return False
    if annotation is float:
        return isinstance(value, (int, float))
    return isinstance(value, annotation)


def _described(annotation: object) -> str:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_described(option) for option in typing.get_args(annotation))
    if origin is list:
        return f"a list of {_described(typing.get_args(annotation)[0]).removeprefix('a ')}s"
    return NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _whole_numbers(value: object) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [number for number in values if isinstance(number, int) and not isinstance(number, bool)]


def require_path(name: str, value: str | Path | None) -> None:
    """A path parameter that is given must exist (relative paths count from the working folder)."""
    if value is not None and not Path(value).exists():
        raise UserError(f"{name} {value} does not exist: pass an existing path "
                        f"(relative paths count from {Path.cwd()}).")


def check(namespace: dict) -> profiles.Profile:
    """Check the parameters declared in a chapter's `namespace` (its globals()); returns the profile."""
    for name, annotation in namespace.get("__annotations__", {}).items():
        value = namespace[name]
        if not _matches(value, annotation):
            raise UserError(f"Parameter {name} is {value!r}, but it must be {_described(annotation)}: "
                            f"pass it as such (e.g. papermill -p {name} VALUE).")
        smallest = 0 if name in MAY_BE_ZERO else 1
        for number in _whole_numbers(value):
            if number < smallest:
                raise UserError(f"Parameter {name} is {value!r}, but it must be at least {smallest}: "
                                f"pass a larger number.")
    for name in PATHS:
        require_path(name, namespace.get(name))
    resolve_device(namespace["device"])
    return profiles.get(namespace["profile"])
