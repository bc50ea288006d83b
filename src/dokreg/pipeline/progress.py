"""How pipeline stages report progress: a tiny protocol the CLI fills with rich progress bars."""

from __future__ import annotations


class Reporter:
    """Silent by default; the CLI passes one that draws progress bars."""

    def stage(self, name: str, total: int | None = None) -> None:  # a new bar
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def note(self, message: str) -> None:
        pass


class RichReporter(Reporter):
    def __init__(self, progress) -> None:
        self._progress = progress
        self._task = None

    def stage(self, name: str, total: int | None = None) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[-1].total or 0)
        self._task = self._progress.add_task(name, total=total)

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, n)

    def note(self, message: str) -> None:
        self._progress.console.print(message)
