"""Admin search that PostgreSQL answers from indexes, on large tables joined to others.

Django's admin search ORs `icontains` over every search field, across the joins: the
condition spans several tables, so no index can serve it and PostgreSQL reads every row
of the joined tables (300 000 applications with their students and listings: seconds).
`IndexedSearchMixin` asks each related table first, through its own trigram index, for
the rows that match (a few ids, usually), and filters the large table by those ids along its
indexed foreign keys: a BitmapOr of index scans instead of a join of whole tables.
"""

from __future__ import annotations

from django.contrib.admin.utils import lookup_spawns_duplicates
from django.db.models import Q, QuerySet
from django.utils.text import smart_split, unescape_string_literal

#: Above this many matching rows of a related table, its ids stay a subquery rather
#: than a list in the query text (a word as common as "data" in listing titles).
ID_LIST_LIMIT = 5000


def _words(search_term: str) -> list[str]:
    words = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        if bit:
            words.append(bit)
    return words


def condition(model, paths: list[str], word: str, scopes: dict | None = None) -> Q:
    """Any of the paths contains the word: its own columns directly, each related table's
    matches as ids along the foreign key (see `matching`), looked for among the rows of
    `scopes[name]` when the admin gives that relation a scope."""
    found = Q()
    related: dict[str, list[str]] = {}
    for path in paths:
        head, _, rest = path.partition("__")
        if rest:
            related.setdefault(head, []).append(rest)
        else:
            found |= Q(**{f"{path}__icontains": word})
    for head, rests in related.items():
        field = model._meta.get_field(head)
        base = (scopes or {}).get(head)
        found |= Q(**{f"{field.attname}__in": matching(field.related_model, rests, word, base)})
    return found


def matching(model, paths: list[str], word: str, base=None):
    """The pks of `model`'s rows (of `base`, if given) that match: a list, or a subquery when
    there are many."""
    rows = model._default_manager.all() if base is None else base
    rows = rows.filter(condition(model, paths, word)).order_by().values_list("pk", flat=True)
    found = list(rows[: ID_LIST_LIMIT + 1])
    return rows if len(found) > ID_LIST_LIMIT else found


class IndexedSearchMixin:
    """A ModelAdmin whose plain search fields (`icontains`, along foreign keys) are looked up
    table by table (see the module docstring). Each word must match, as in Django's search."""

    def get_search_scopes(self, request) -> dict[str, QuerySet]:
        """Per relation of the search fields, the related rows to look among (default: all)."""
        return {}

    def get_search_results(self, request, queryset: QuerySet, search_term: str):
        fields = [str(field) for field in self.get_search_fields(request)]
        if not fields or not search_term:
            return queryset, False
        if any(
            f.startswith(("^", "=", "@")) or lookup_spawns_duplicates(self.opts, f) for f in fields
        ):
            return super().get_search_results(request, queryset, search_term)
        scopes = self.get_search_scopes(request)
        for word in _words(search_term):
            queryset = queryset.filter(condition(self.model, fields, word, scopes))
        # Every path follows foreign keys: a row matches once, nothing to de-duplicate.
        return queryset, False
