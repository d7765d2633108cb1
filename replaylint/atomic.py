"""Write files so that an interrupted or concurrent run leaves the old content or the new, never half."""
from __future__ import annotations

import os
import stat
import tempfile


def write_atomically(path: str | os.PathLike, text: str) -> None:
    """Write to a temporary file beside `path`, then rename it over `path` (atomic on POSIX and Windows).
    The file gets the mode a plain `open()` would give it (an existing file's, else 0666 less the umask), not
    mkstemp's 0600: a report is read by other users and by CI. Raises OSError; the temporary file never
    outlives the call. A device or a named pipe (`-o /dev/null`) is written in place, never replaced; a
    symbolic link is replaced, never followed (a checked-out repository's `report.sarif -> ~/.bashrc` must
    not turn a CI run into a write outside it)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        mode = None
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        with open(path, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        return
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".replaylint-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:  # line ends as given
            out.write(text)
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _mode_for(path) -> int:
    """An existing file's mode (a link's target is not asked: the link is replaced), else 0666 less the umask."""
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISREG(mode):
            return mode & 0o7777
    except OSError:
        pass
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
