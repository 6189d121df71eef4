"""A full disk, simulated for real: the child process runs under a file-size limit (RLIMIT_FSIZE), so
that every write past it fails with EFBIG in the kernel, as one past a full disk fails with ENOSPC.
The write stops with one sentence naming the file, the previous file stays whole, no temporary file
is left behind, and the same command run again with room to write finishes."""

import resource
import signal
import subprocess
import sys

from . import fixtures

LIMIT = 1 << 20  # 1 MiB: a ZF-mini checkpoint (2 MB) does not fit, a manifest or a metrics file does


def limited_run(args: list[str], cache, limit: int = LIMIT) -> subprocess.CompletedProcess:
    def within_limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails instead of the process being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=fixtures.REPO, timeout=300,
                          env={**fixtures.environment(), "ZFCOMPANION_CACHE": str(cache)}, preexec_fn=within_limit)


WRITE_SCRIPT = """
import sys
from pathlib import Path
from zfcompanion.errors import UserError
from zfcompanion.files import atomic_write_bytes
try:
    atomic_write_bytes(Path(sys.argv[1]), b"x" * int(sys.argv[2]))
except UserError as error:
    print(error, file=sys.stderr)
"""


def test_a_write_past_a_full_disk_keeps_the_previous_file(tmp_path):
    path = tmp_path / "result.json"
    path.write_text('{"top1_err": 20.5}\n')
    result = limited_run(["-c", WRITE_SCRIPT, str(path), str(2 * LIMIT)], tmp_path / "cache")
    assert result.stderr.startswith(f"Could not write {path}: File too large (the disk is full or a file-size "
                                    f"limit was hit); free some space and run the same command again")
    assert len(result.stderr.strip().splitlines()) == 1
    assert path.read_text() == '{"top1_err": 20.5}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]  # no temporary file left


def test_training_on_a_full_disk_stops_with_one_sentence_and_a_rerun_finishes(tmp_path):
    data_dir = fixtures.fashion_mnist(tmp_path / "data", train=9000, test=50)  # 5,400 of the pre-training classes
    out = tmp_path / "run"
    train = ["-m", "zfcompanion.cli", "train", "--data-dir", str(data_dir), "--out", str(out), "--limit", "256",
             "--epochs", "2", "--no-snapshots"]
    limited_run(["-m", "zfcompanion.cli", "data", "--data-dir", str(data_dir)], tmp_path / "cache", limit=1 << 30)
    result = limited_run(train, tmp_path / "cache")
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]  # after tqdm's progress lines
    assert last.startswith(f"zfcompanion train: Could not write {out}/resume/last.pt: File too large")
    assert "Traceback" not in result.stderr
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]  # no partial file
    result = limited_run(train, tmp_path / "cache", limit=resource.RLIM_INFINITY)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["final.pt", "manifest.json", "metrics.csv"]


def test_decompressing_onto_a_full_disk_is_not_called_corrupt(tmp_path):
    import gzip

    source, raw = tmp_path / "debian", tmp_path / "raw"
    source.mkdir()
    fixtures.fashion_mnist(tmp_path / "plain", train=1400, test=10)  # 1.1 MB of training images
    for file in (tmp_path / "plain" / "FashionMNIST" / "raw").iterdir():
        (source / f"{file.name}.gz").write_bytes(gzip.compress(file.read_bytes()))
    script = ("import sys; from pathlib import Path; from zfcompanion.data import _decompress\n"
              "from zfcompanion.errors import UserError\n"
              "try: _decompress(Path(sys.argv[1]), Path(sys.argv[2]))\n"
              "except UserError as error: print(error, file=sys.stderr)\n")
    result = limited_run(["-c", script, str(source), str(raw)], tmp_path / "cache")
    assert result.stderr.startswith(f"Could not write {raw}/train-images-idx3-ubyte: File too large")
    assert "corrupt" not in result.stderr
    assert not (raw / "train-images-idx3-ubyte").exists() and not list(raw.glob(".*"))
