"""Results kept by zfcompanion.memo: computed once per key and code version, read back equal, never
read back for another key or another version of the code, recomputed when the kept file is damaged."""

import pandas as pd
import pytest
import torch
from torch.utils.data import Subset

from zfcompanion import memo
from zfcompanion.data import StoredImages


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv(memo.MEMO_ENV, str(tmp_path / "memo"))
    return tmp_path / "memo"


def counting(result):
    calls = []
    return calls, lambda: calls.append(1) or result


def test_a_result_is_computed_once_and_read_back_equal(folder):
    table = pd.DataFrame({"method": ["a", "b"], "per class": [15, 30], "accuracy": [81.25, 90.0]})
    calls, compute = counting({"table": [1, 2], "tensor": torch.arange(6.0).view(2, 3)})
    first = memo.remembered("demo", ("sha", 15), compute)
    second = memo.remembered("demo", ("sha", 15), compute)
    assert calls == [1] and torch.equal(second["tensor"], first["tensor"]) and second["table"] == [1, 2]
    frame_calls, frame = counting(table)
    memo.remembered("frame", "key", frame)
    pd.testing.assert_frame_equal(memo.remembered("frame", "key", frame), table)
    assert frame_calls == [1]
    assert not [path for path in folder.iterdir() if path.name.startswith(".")]  # no temporary file left


def test_another_key_or_another_code_version_computes_again(folder, monkeypatch):
    calls, compute = counting(1.0)
    memo.remembered("demo", ("sha", 15), compute)
    memo.remembered("demo", ("sha", 30), compute)
    assert calls == [1, 1]
    monkeypatch.setattr(memo, "code_version", lambda: "another")
    memo.remembered("demo", ("sha", 15), compute)
    assert calls == [1, 1, 1]


def test_a_damaged_result_is_computed_again(folder):
    calls, compute = counting(7.0)
    memo.remembered("demo", "key", compute)
    memo.path_for("demo", "key").write_bytes(b"not a torch file")
    assert memo.remembered("demo", "key", compute) == 7.0 and calls == [1, 1]
    assert memo.remembered("demo", "key", compute) == 7.0 and calls == [1, 1]


def test_the_code_version_changes_with_any_source_file(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text("x = 1\n")
    monkeypatch.setattr(memo, "SOURCE", tmp_path)
    memo.code_version.cache_clear()
    before = memo.code_version()
    (tmp_path / "a.py").write_text("x = 2\n")
    memo.code_version.cache_clear()
    assert memo.code_version() != before
    memo.code_version.cache_clear()


def test_digests_tell_contents_and_chosen_items_apart():
    images = torch.rand(4, 1, 8, 8)
    dataset = StoredImages(images, torch.tensor([0, 1, 0, 1]), list(range(4)))
    same = StoredImages(images.clone(), torch.tensor([0, 1, 0, 1]), list(range(4)))
    other_labels = StoredImages(images, torch.tensor([1, 1, 0, 1]), list(range(4)))
    assert memo.digest(dataset) == memo.digest(same) != memo.digest(other_labels)
    assert memo.digest(Subset(dataset, [0, 2])) != memo.digest(Subset(dataset, [0, 3]))
    assert memo.digest(torch.zeros(2, 3)) != memo.digest(torch.zeros(3, 2))
