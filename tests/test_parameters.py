"""Every chapter's papermill parameters: a wrong type, a count below 1, a missing path, an unknown
device or profile, an out-of-range image stops the chapter with one sentence naming the parameter."""

import pytest

from zfcompanion import book, parameters
from zfcompanion.errors import UserError

CHAPTERS = book.toc_chapters()
# A value of the wrong type for each declared type.
WRONG = {int: "six", float: "half", str: 3, "typing.Optional[str]": 3, "typing.Optional[int]": 2.5,
         "typing.Optional[list[int]]": "0,1",
         "list[int]": [1.5]}


def declared(name: str) -> dict:
    """The chapter's parameters cell, run: its defaults and their declared types in `__annotations__`."""
    cell = next(cell for cell in book.notebook_from_source(name).cells if "parameters" in cell.metadata.get("tags", []))
    namespace: dict = {}
    exec(cell.source, namespace)
    return namespace


def wrong_value(annotation):
    return WRONG.get(annotation, WRONG.get(str(annotation)))


@pytest.fixture(autouse=True)
def in_the_chapters_folder(monkeypatch):
    monkeypatch.chdir(book.CHAPTERS)  # where papermill runs a chapter: its default paths count from here


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_parameter_is_declared_and_the_defaults_pass(name):
    namespace = declared(name)
    assigned = [key for key in namespace if not key.startswith("__") and key != "Optional"]
    assert sorted(namespace["__annotations__"]) == sorted(assigned)  # every parameter has its type
    assert parameters.check(namespace).name == "mini"
    source = (book.CHAPTERS / f"{name}.py").read_text()
    assert f'chapter = Chapter.start("{name}", globals())' in source  # and the chapter checks them


@pytest.mark.parametrize("name", CHAPTERS)
def test_a_wrong_type_names_the_parameter(name):
    for parameter, annotation in declared(name)["__annotations__"].items():
        namespace = declared(name)
        namespace[parameter] = wrong_value(annotation)
        with pytest.raises(UserError) as error:
            parameters.check(namespace)
        message = str(error.value)
        assert message.startswith(f"Parameter {parameter} is {namespace[parameter]!r}, but it must be ")
        assert "\n" not in message


@pytest.mark.parametrize("parameter, value, message", [
    ("maps_per_layer", 0, "Parameter maps_per_layer is 0, but it must be at least 1"),
    ("maps_per_layer", True, "Parameter maps_per_layer is True, but it must be a whole number"),
    ("seed", -1, "Parameter seed is -1, but it must be at least 0"),
    ("k", None, "Parameter k is None, but it must be a whole number"),
    ("checkpoint_dir", "nowhere", "checkpoint_dir nowhere does not exist: pass an existing path"),
    ("data_dir", "/no/such/folder", "data_dir /no/such/folder does not exist"),
    ("device", "gpu0", "'gpu0' is not a device torch knows: use cpu, cuda or cuda:N"),
    ("profile", "huge", "Unknown profile 'huge': choose one of mini, paper"),
])
def test_bad_values(parameter, value, message):
    namespace = declared("fig2")
    namespace[parameter] = value
    with pytest.raises(UserError, match=message.replace("(", r"\(")):
        parameters.check(namespace)


def test_lists_and_floats():
    namespace = declared("fig7")
    namespace["probe_images"] = [0, 3]  # indices may be 0
    parameters.check(namespace)
    namespace["probe_images"] = [0, -2]
    with pytest.raises(UserError, match=r"Parameter probe_images is \[0, -2\], but it must be at least 0"):
        parameters.check(namespace)
    namespace = declared("fig4")
    namespace["close"] = 1  # a whole number is a number
    parameters.check(namespace)
    namespace["training_images"] = None
    parameters.check(namespace)


BASE = {"profile": "mini", "checkpoint_dir": "../../data/checkpoints/mini", "data_dir": None, "device": "cpu", "seed": 0}


@pytest.mark.parametrize("name, extra, message", [
    ("fig2", {"maps_per_layer": "six"}, "Chapter fig2 failed in cell 4 (UserError: Parameter maps_per_layer is 'six', "
                                        "but it must be a whole number"),
    ("fig7", {"probe_images": [0, 10_000]}, "Chapter fig7 failed in cell 4 (UserError: Image index 10000 is out of "
                                            "range: the set has 6000 images, numbered 0 to 5999.)"),
])
def test_a_chapter_stops_at_a_bad_parameter_with_one_sentence(tmp_path, name, extra, message):
    """End to end: papermill injects the value, the chapter's first code cell refuses it."""
    with pytest.raises(UserError) as error:
        book.execute(name, {**BASE, **extra}, output_dir=tmp_path)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)
    assert not (tmp_path / f"{name}.ipynb").exists()
