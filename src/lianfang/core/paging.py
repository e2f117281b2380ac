"""A paginator for lists that may hold hundreds of thousands of rows.

Django's Paginator counts every matching row before it shows 50 of them. At a
province's scale that COUNT is most of a list page's time, and nobody pages
through 4,000 pages: this paginator counts at most `bound` rows (the database
stops scanning there) and says "more than N" beyond, so the user narrows the
filter instead.

`page_of_ids` goes one step further for list views: one query fetches the ids
of the first bound + 1 matching rows in display order, which gives both the
count and the page's ids (the separate COUNT and OFFSET queries scanned the
same rows twice)."""

from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property

DEFAULT_BOUND = 2000


class BoundedPaginator(Paginator):
    def __init__(self, object_list, per_page, bound: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.bound = bound or DEFAULT_BOUND

    @cached_property
    def _counted(self) -> int:
        if isinstance(self.object_list, list):
            return len(self.object_list)
        # COUNT(*) over a LIMITed subquery: the scan ends after bound + 1 rows.
        return self.object_list.order_by()[: self.bound + 1].count()

    @property
    def count(self) -> int:
        return min(self._counted, self.bound)

    @property
    def capped(self) -> bool:
        """True when there are more rows than were counted."""
        return self._counted > self.bound


def page_of_ids(queryset, per_page: int, number, bound: int | None = None) -> Page:
    """The page `number` (any user input; out of range gives the nearest page)
    of an ordered queryset, as a Page whose object_list holds the page's ids."""
    bound = bound or DEFAULT_BOUND
    ids = list(queryset.values_list("pk", flat=True)[: bound + 1])
    return BoundedPaginator(ids, per_page, bound=bound).get_page(number)
