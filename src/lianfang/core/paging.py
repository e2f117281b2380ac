"""A paginator for lists that may hold hundreds of thousands of rows.

Django's Paginator counts every matching row before it shows 50 of them. At a
province's scale that COUNT is most of a list page's time, and nobody pages
through 4,000 pages: this paginator counts at most `bound` rows (the database
stops scanning there) and says "more than N" beyond, so the user narrows the
filter instead."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

DEFAULT_BOUND = 2000


class BoundedPaginator(Paginator):
    def __init__(self, object_list, per_page, bound: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.bound = bound or DEFAULT_BOUND

    @cached_property
    def _counted(self) -> int:
        # COUNT(*) over a LIMITed subquery: the scan ends after bound + 1 rows.
        return self.object_list.order_by()[: self.bound + 1].count()

    @property
    def count(self) -> int:
        return min(self._counted, self.bound)

    @property
    def capped(self) -> bool:
        """True when there are more rows than were counted."""
        return self._counted > self.bound
