"""The chapter object: parameters checked at the start, shared things loaded once and as the
analyses expect them, claims kept where the book says and never in the committed book."""

import pytest
import torch

from zfcompanion import book, checkpoints, data, models, report, verdicts
from zfcompanion.chapter import Chapter
from zfcompanion.errors import UserError
from zfcompanion.evaluation import views
from zfcompanion.profiles import MINI


def namespace(tmp_path, **values) -> dict:
    base = {"profile": "mini", "checkpoint_dir": str(tmp_path), "data_dir": None, "device": "cpu", "seed": 0,
            "network": "zf", "claims_dir": None}
    return {**base, **values, "__annotations__": {"profile": str, "device": str, "seed": int}}


def splits(test: bool) -> data.Splits:
    images = torch.arange(2 * 1 * 72 * 72, dtype=torch.float32).view(2, 1, 72, 72)
    stored = data.StoredImages(images, torch.tensor([0, 1]), [0, 1])
    mean = torch.full((1, 72, 72), 100.0)
    return data.Splits(stored, stored, data.StoredImages(images + 1, torch.tensor([1, 0]), [0, 1]) if test else None,
                       mean, ["a", "b"])


def test_start_checks_the_parameters(tmp_path):
    with pytest.raises(UserError, match="Parameter seed is 'x', but it must be a whole number"):
        Chapter.start("fig3", namespace(tmp_path, seed="x"))
    with pytest.raises(UserError, match="is not a device torch knows"):
        Chapter.start("fig3", namespace(tmp_path, device="tpu"))


def test_inputs_are_the_centre_view_and_pixels_add_the_mean_back(tmp_path):
    chapter = Chapter.start("fig7", namespace(tmp_path))
    chapter.splits = splits(test=True)
    x = chapter.inputs([1, 0])
    assert torch.equal(x, views(chapter.probe_set.images[[1, 0]], MINI.input_size, 1)[0])
    assert torch.equal(chapter.probe_set.images, chapter.splits.test.images)  # the test set where there is one
    assert torch.equal(chapter.pixels(x), x + 100.0) and chapter.mean_input.shape == (1, MINI.input_size, MINI.input_size)
    chapter.splits = splits(test=False)
    assert chapter.probe_set is chapter.splits.val
    assert chapter.probe_indices == list(MINI.probe_images)
    with pytest.raises(UserError, match="Image index 5 is out of range"):
        chapter.inputs([5])


def test_model_is_loaded_once_from_the_final_weights(tmp_path):
    model = models.build(models.ZF_MINI, MINI.num_classes)
    folder = tmp_path / "zf"
    checkpoints.save(folder / checkpoints.FINAL, {"model": model.state_dict(), "epoch": 1}, profile="mini",
                     model_config=checkpoints.model_config(models.ZF_MINI.name, "base", MINI.num_classes), epoch=1)
    chapter = Chapter.start("fig7", namespace(tmp_path))
    loaded = chapter.model()
    assert loaded is chapter.model("zf") and not loaded.training
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), model.state_dict().values()))
    assert chapter.sha256() == checkpoints.entry(folder / checkpoints.FINAL)["sha256"]
    with pytest.raises(UserError):
        chapter.model("alexnet")


def test_claims_go_to_the_folder_passed_and_by_hand_to_build_claims(tmp_path):
    """`zfcompanion book` passes claims_dir; a chapter run by hand (JupyterLab, papermill) keeps its
    claims in build/claims and never touches the book's."""
    Chapter.start("fig3", namespace(tmp_path, claims_dir=str(tmp_path / "claims"))).report(
        [], [verdicts.check("by the book", "1", True)], caveat="a caveat")
    assert '"by the book"' in (tmp_path / "claims" / "fig3.json").read_text()
    shipped = (book.CHAPTERS / "_claims" / "fig3.json").read_bytes()
    Chapter.start("fig3", namespace(tmp_path, profile="paper")).report([], [verdicts.check("by hand", "1", True)])
    assert (book.CHAPTERS / "_claims" / "fig3.json").read_bytes() == shipped
    assert '"profile": "paper"' in (report.HAND_RUN_CLAIMS / "fig3.json").read_text()


@pytest.mark.parametrize("name", book.toc_chapters())
def test_chapters_load_through_the_chapter_object(name):
    """What every chapter needs is loaded one way, by `Chapter`, not again in each chapter."""
    source = (book.CHAPTERS / f"{name}.py").read_text()
    for repeated in ("parameters.check(", "checkpoints.load_model(", "data.pretraining_splits(", "report.report_claims(",
                     "os.environ", "splits.test if splits.test"):
        assert repeated not in source, f"{name}.py calls {repeated} itself: use the chapter object (zfcompanion/chapter.py)"


@pytest.mark.parametrize("name", book.toc_chapters())
def test_no_chapter_cell_is_longer_than_fifteen_lines(name):
    """Chapters hold narrative, parameters, a few library calls and plots: longer code belongs in the
    library, where it is tested."""
    import jupytext

    cells = [cell for cell in jupytext.read(book.CHAPTERS / f"{name}.py").cells if cell.cell_type == "code"]
    long = [(index, lines) for index, cell in enumerate(cells)
            if (lines := sum(1 for line in cell.source.splitlines() if line.strip())) > 15]
    assert not long, f"{name}.py: code cells (number, lines) over 15 lines: {long}"
