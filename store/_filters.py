"""Which chunks a search may return: by site, language and date range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from llama_index.core.vector_stores.types import (
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
)

from ._article import SITE_KEY


@dataclass(frozen=True)
class SearchFilters:
    """Which chunks a search may return; every field left as None lets everything through.

    Usage::

        SearchFilters(language="id")
        SearchFilters(site="antaranews", since=date(2017, 1, 1), until=date(2017, 12, 31))
        SearchFilters(undated=True)   # only articles their source gave no date
    """

    site: str | None = None
    language: str | None = None
    since: date | None = None
    until: date | None = None
    undated: bool = False

    def to_metadata_filters(self) -> MetadataFilters | None:
        """The same filters for LlamaIndex's vector store query."""
        filters: list[MetadataFilter | MetadataFilters] = []
        if self.site:
            filters.append(MetadataFilter(key=SITE_KEY, value=self.site))
        if self.language:
            filters.append(MetadataFilter(key="language", value=self.language))
        if self.since:
            filters.append(
                MetadataFilter(
                    key="published_day", value=day_number(self.since), operator=FilterOperator.GTE
                )
            )
        if self.until:
            filters.append(
                MetadataFilter(
                    key="published_day", value=day_number(self.until), operator=FilterOperator.LTE
                )
            )
        if self.undated:
            filters.append(MetadataFilter(key="published_day", value=0))
        return MetadataFilters(filters=filters) if filters else None

    def __bool__(self) -> bool:
        return any((self.site, self.language, self.since, self.until, self.undated))


def day_number(value: date) -> int:
    """The date as the number chunks store in `published_day` (20200108)."""
    return value.year * 10_000 + value.month * 100 + value.day
