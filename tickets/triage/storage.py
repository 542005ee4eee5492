"""Writing model files safely when several processes may start at once (web, Celery workers)."""

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive file lock: the second process waits, then finds the first one's work done."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def written_atomically(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed onto it on success: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        Path(tmp).chmod(0o644)  # mkstemp makes it private; other users of the machine may serve the model
        Path(tmp).replace(target)
    finally:
        Path(tmp).unlink(missing_ok=True)
