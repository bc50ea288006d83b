"""Numbered pages over any total: no cap on how deep a reader may go.

A total may be a lower bound (``exact=False``: the index counts exactly only up to a bound, see
``dokreg.search``): then the pager never names a last page, it offers the pages around this one
and "next" while there are more.
"""

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
    exact: bool = True

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def known(self) -> int:
        """Rows known to exist: an inexact total means "more than total", so at least one more."""
        return self.total if self.exact else self.total + 1

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.known // self.per_page))

    @property
    def first_row(self) -> int:
        return self.offset + 1

    @property
    def last_row(self) -> int:
        return min(self.offset + self.per_page, self.known)

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
        shown = {1, *range(max(1, self.page - WINDOW), min(last, self.page + WINDOW) + 1)}
        if self.exact:
            shown.add(last)
        numbers: list[int | None] = []
        for number in sorted(shown):
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(number)
        if not self.exact and numbers[-1] != last:
            numbers.append(None)  # more pages follow; how many is not counted
        return numbers
