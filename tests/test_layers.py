"""The library's layers point one way (the README's "Layers"): a module imports from its own layer or
from the layers below, never from above. Read from each module's import statements, not by importing it."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "zfcompanion"
# Bottom to top; a module belongs to the layer that names its first dotted part.
LAYERS = (
    ("core", {"__init__", "errors", "files", "devices", "models", "profiles", "receptive_field", "deconvnet",
              "evaluation", "images", "scenes", "data", "memo", "targets", "checkpoints", "verdicts", "paper",
              "cells", "plots"}),
    ("training", {"train", "study"}),
    ("analysis", {"analysis", "topk"}),
    ("claims and report", {"claims", "report"}),
    ("chapter", {"chapter", "chapter_inputs", "parameters"}),
    ("book and command line", {"book", "cli"}),
)


def rank(module: str) -> int:
    first = module.split(".")[0]
    return next(i for i, (_, names) in enumerate(LAYERS) if first in names)


def sources() -> dict[str, str]:
    """Every module of the package by dotted name (a package's __init__ as the package's own name)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(parts[:-1]) if parts[-1] == "__init__" and len(parts) > 1 else ".".join(parts)
        found[name] = path.read_text()
    return found


def imported(module: str, source: str, modules: set[str]) -> set[str]:
    """The package's modules that `module`'s source imports (a name from a package's __init__ counts as
    that package)."""
    is_package = any(other.startswith(module + ".") for other in modules)
    here = module.split(".") if is_package else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1] + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "zfcompanion":
                base = node.module.split(".")[1:]
            else:
                continue
            for alias in node.names:
                whole = ".".join(base + [alias.name])
                found.add(whole if whole in modules else ".".join(base) or "__init__")
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".", 1)[1] for alias in node.names if alias.name.startswith("zfcompanion.")}
    return found


def violations(modules: dict[str, str]) -> list[str]:
    """One line per import that points up the layers."""
    names = set(modules)
    return [f"{module} ({LAYERS[rank(module)][0]}) imports {target} ({LAYERS[rank(target)][0]})"
            for module, source in modules.items() for target in sorted(imported(module, source, names))
            if rank(target) > rank(module)]


def test_every_module_has_a_layer():
    unplaced = []
    for module in sources():
        try:
            rank(module)
        except StopIteration:
            unplaced.append(module)
    assert not unplaced, f"modules in no layer of tests/test_layers.py: {unplaced}"


def test_no_import_points_up_the_layers():
    assert violations(sources()) == []


def test_an_import_against_the_layers_is_found():
    """A temporary analysis module that reaches up into the chapter, and one into training, beside the package."""
    modules = {**sources(), "analysis.upward": "from ..chapter import Chapter\nfrom zfcompanion import study\n",
               "devices": sources()["devices"] + "from .train import train\n"}
    assert sorted(violations(modules)) == ["analysis.upward (analysis) imports chapter (chapter)",
                                           "devices (core) imports train (training)"]


def test_no_module_reaches_into_anothers_private_names():
    private = [f"{module} imports {alias.name} from {node.module}" for module, source in sources().items()
               for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)
               for alias in node.names if alias.name.startswith("_") and alias.name != "__version__"]
    assert private == []
