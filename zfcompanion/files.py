"""Writing files so that an interruption never leaves a partial one behind."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import torch

from .errors import UserError

ROOT = Path(__file__).resolve().parent.parent  # the repository: data/, book/ and the checkpoints live here

FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}  # a full disk, a full quota, a file-size limit


def disk_full(path: Path, error: OSError) -> UserError:
    """The one sentence for a write that ran out of space."""
    return UserError(f"Could not write {path}: {error.strerror} (the disk is full or a file-size limit was hit); "
                     f"free some space and run the same command again: what was written before is unchanged.")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _umask()  # read once, at import, while nothing else runs


def temporary_beside(path: Path, suffix: str = ".tmp") -> tuple[int, str]:
    """A new temporary file (descriptor, name) in `path`'s folder, named after it and unique, so that
    processes writing the same target never share one; readable as a file `open` would create (mkstemp's
    own 0600 would keep a lab's shared folder from reading the checkpoints)."""
    fd, name = tempfile.mkstemp(dir=Path(path).parent, prefix=f".{Path(path).name}.", suffix=suffix)
    os.fchmod(fd, 0o666 & ~UMASK)
    return fd, name


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder: fsync, then rename.
    A crash or a full disk leaves either the old file or the new one, never a partial one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temporary_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as error:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno in FULL:
            raise disk_full(path, error) from None
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextmanager
def writing(folder: Path, what: str) -> Iterator[None]:
    """Hold a lock on `folder` (flock on the folder itself, no file left behind) while one process writes
    it (`what`: "training into"): a second writer is refused in one sentence, and so, before any work
    starts, is a folder that cannot be written. The lock goes with the process, also when it is killed."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()  # can this process write there?
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError as error:
        raise UserError(f"Cannot write to {folder}: {error.strerror}; pass a folder you can write.") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"Another process is {what} {folder} now: wait for it to finish, or pass another folder.") from None
        yield
    finally:
        os.close(descriptor)


def torch_bytes(obj: object) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_dir() -> Path:
    """Where derived data (decompressed datasets, mean images, features) is kept."""
    root = os.environ.get("ZFCOMPANION_CACHE") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "zfcompanion"
    return Path(root)
