"""Convert a file with LibreOffice in headless mode: the one tool that reads every legacy Office format.

Each call gets its own temporary profile (``-env:UserInstallation``), so parallel workers never
share or lock one, and its own session, so a hung conversion is killed with all its processes
(``soffice`` is a wrapper around ``soffice.bin``). Everything is removed afterwards.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from dokreg.errors import Broken, TimedOut, Unsupported

_EXECUTABLES = ("soffice", "libreoffice")
_STDERR_TAIL = 300


def libreoffice_path() -> str | None:
    """The LibreOffice executable on PATH, or None."""
    for executable in _EXECUTABLES:
        found = shutil.which(executable)
        if found:
            return found
    return None


def libreoffice_convert(
    data: bytes, *, name: str, source_extension: str, target: str, seconds: float
) -> bytes:
    """The bytes of ``data`` converted to ``target`` (a LibreOffice --convert-to filter such as 'docx').

    Raises Unsupported when LibreOffice is not installed, TimedOut after ``seconds``, and Broken
    when LibreOffice produced nothing (it cannot read the file).
    """
    executable = libreoffice_path()
    if executable is None:
        raise Unsupported(f"{name}: LibreOffice not installed (needed to read .{source_extension} files)")
    with tempfile.TemporaryDirectory(prefix="dokreg-lo-") as work_dir:
        work = Path(work_dir)
        (work / "in").mkdir()
        source = work / "in" / f"document.{source_extension}"
        source.write_bytes(data)
        command = [
            executable,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            target,
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        stderr = _run(command, work, name, seconds)
        produced = sorted((work / "out").glob("document.*")) if (work / "out").is_dir() else []
        if not produced:
            raise Broken(
                f"{name}: LibreOffice could not convert it to {target} ({stderr[-_STDERR_TAIL:] or 'no output'})"
            )
        return produced[0].read_bytes()


def _run(command: list[str], work: Path, name: str, seconds: float) -> str:
    environment = {**os.environ, "HOME": str(work)}  # nothing of LibreOffice's lands in the real home
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        raise TimedOut(f"{name}: LibreOffice took longer than {seconds:g} s to convert it; stopped") from None
    finally:
        _kill_group(process)  # also any helper soffice left behind after a normal exit
    return stderr.decode("utf-8", "replace").strip()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
