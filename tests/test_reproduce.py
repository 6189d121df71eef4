"""reproduce.md's sequence, command by command, through the command line, on fixtures shaped like the
real thing: ImageNet's 1000 classes in class folders, JPEGs of its usual sizes among them greyscale
and CMYK ones, trained by the trainer itself into 1000-class checkpoints. Each run is a smoke run
(`--epochs 2 --limit 16`: ZFNet does not train on two CPU cores), and the study trains one shard.
The book command itself runs every chapter on smaller fixtures in `test_site.py`."""

import re
import subprocess
import sys

from zfcompanion import study
from zfcompanion.profiles import PAPER

from . import fixtures

SMOKE = ["--epochs", "2", "--limit", "16"]


def zfcompanion(*args, cache) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zfcompanion.cli", *map(str, args)], cwd=fixtures.REPO, text=True,
                          env={**fixtures.environment(), "ZFCOMPANION_CACHE": str(cache)}, capture_output=True,
                          timeout=900)


def test_the_paper_sequence_from_imagenet_to_the_trained_runs_through_the_command_line(tmp_path):
    imagenet, checkpoints, cache = fixtures.imagenet_like(tmp_path / "imagenet"), tmp_path / "checkpoints", tmp_path / "cache"
    checkpoints.mkdir()

    checked = zfcompanion("data", "--profile", "paper", "--data-dir", imagenet, cache=cache)
    assert checked.returncode == 0 and "1000 classes" in checked.stdout, checked.stdout + checked.stderr

    # The book, asked for before anything is trained, lists what is missing and the command for each.
    book = ["book", "--profile", "paper", "--data-dir", imagenet, "--checkpoint-dir", checkpoints, "--no-html",
            "--output", tmp_path / "site"]
    refused = zfcompanion(*book, cache=cache)
    assert refused.returncode == 2 and "6 things the chapters need are missing" in refused.stderr, refused.stderr
    commands = re.findall(r"`zfcompanion ([^`]*)`", refused.stderr)
    trains = [command.split() for command in commands if command.startswith("train ")]
    assert [" ".join(command[command.index("--arch"):]) for command in trains] == [
        f"--arch zf --out {checkpoints}/zf", f"--arch zf --no-clip --no-snapshots --out {checkpoints}/zf-noclip",
        f"--arch alexnet --no-snapshots --out {checkpoints}/alexnet"]

    for command in trains:  # the commands the message gave, as a smoke run
        trained = zfcompanion(*command, *SMOKE, cache=cache)
        assert trained.returncode == 0, trained.stdout + trained.stderr
    zf = checkpoints / "zf"
    assert {path.name for path in zf.iterdir()} == {"epoch001.pt", "final.pt", "manifest.json", "metrics.csv"}  # the last: final.pt
    evaluated = zfcompanion("evaluate", zf / "final.pt", "--data-dir", imagenet, "--views", "1", cache=cache)
    assert evaluated.returncode == 0 and "val" in evaluated.stdout, evaluated.stdout + evaluated.stderr

    # The study, one shard of eight: the one whose ZF of seed 0 is the zf run above, copied, not trained again.
    runs = study.runs(PAPER)
    shard = runs.index(study.Run("zf", "base", 0)) % 8
    command = next(command.split() for command in commands if command.startswith("study "))
    studied = zfcompanion(*command, *SMOKE, "--shard", shard, "--shards", 8, cache=cache)
    assert studied.returncode == 0, studied.stdout + studied.stderr
    assert "zf is the run already trained in" in studied.stdout
    for run in runs[shard::8]:
        assert (checkpoints / "study" / run.name / "result.json").is_file()

    still = zfcompanion(*book, cache=cache)  # the three runs are done; the study's other shards, and the rest, are not
    assert "3 things the chapters need are missing: --annotations" in still.stderr, still.stderr
    assert f"{checkpoints}/study (for table2, table3: 14 of its 16 runs unfinished" in still.stderr
