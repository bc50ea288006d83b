"""Numbered pages over any total: no cap on how deep a reader may go."""

from __future__ import annotations

from dataclasses import dataclass

PER_PAGE = 20  # rows on a list page

# Pages shown on each side of the current one before the pager skips with an ellipsis.
WINDOW = 2


@dataclass(frozen=True)
class Pager:
    page: int
    per_page: int
    total: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_row(self) -> int:
        return self.offset + 1

    @property
    def last_row(self) -> int:
        return min(self.offset + self.per_page, self.total)

    @property
    def beyond_end(self) -> bool:
        return self.page > self.num_pages

    @property
    def previous(self) -> int | None:
        return self.page - 1 if 1 < self.page <= self.num_pages + 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.num_pages else None

    def numbers(self) -> list[int | None]:
        """Page numbers to link, ``None`` where a run of pages is skipped: 1 … 4 5 6 7 8 … 40."""
        last = self.num_pages
        shown = {1, last, *range(max(1, self.page - WINDOW), min(last, self.page + WINDOW) + 1)}
        numbers: list[int | None] = []
        for number in sorted(shown):
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers
