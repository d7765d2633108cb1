"""Write files so that an interrupted or concurrent run leaves the old content or the new, never half."""
from __future__ import annotations

import os
import stat
import tempfile


def write_atomically(path: str | os.PathLike, text: str) -> None:
    """Write to a temporary file beside `path`, then rename it over `path` (atomic on POSIX and Windows).
    The file gets the mode a plain `open()` would give it (an existing file's, else 0666 less the umask), not
    mkstemp's 0600: a report is read by other users and by CI. Raises OSError; the temporary file never
    outlives the call. Through a symbolic link, the file it names is written; a path that is no regular file
    (`-o /dev/null`, a named pipe) is written in place, never replaced."""
    path = os.path.realpath(path)
    if os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode):
        with open(path, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        return
    folder = os.path.dirname(path)
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
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
