"""Narrowing the public list of listings: the query parameters of `/listings/`."""

from __future__ import annotations

import json

import django_filters
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet

from listings import widgets
from listings.models import SEARCH_CONFIG, Industry, Listing, Skill

SORT_RELEVANCE = "relevance"
SORT_NEWEST = "newest"
SORT_DEADLINE = "deadline"
SORT_FEE = "fee"

SORT_CHOICES = [
    (SORT_NEWEST, "Newest first"),
    (SORT_DEADLINE, "Closing soonest"),
    (SORT_FEE, "Highest fee"),
    (SORT_RELEVANCE, "Best match (with a search)"),
]

#: A search ranks its newest matches only, this many: ranking reads each match's whole search
#: document, and a common word matches most listings, so ranking them all would cost more the
#: more listings there are. Searches with fewer matches (nearly all) are ranked entirely.
RANK_WINDOW = 1000
#: Up to this many matches (the planner's estimate), the newest are found through the search
#: index and sorted; above it, by walking the listings newest first until the window is full.
#: The walk reads each listing's search document until it has RANK_WINDOW matches, so it pays
#: for a rare word (7 % of 100 000 listings: 135 ms) and wins for a common one (30 %: 31 ms
#: against 177 ms through the index); the two cost the same at about 15 windows of matches.
INDEX_FIRST_UP_TO = 15 * RANK_WINDOW

# Ties are broken by primary key so that pages never overlap or skip a listing.
ORDERINGS = {
    SORT_RELEVANCE: ["-rank", "-published_at", "-pk"],
    SORT_NEWEST: ["-published_at", "-pk"],
    SORT_DEADLINE: ["application_deadline", "-published_at", "-pk"],
    SORT_FEE: ["-fee", "-published_at", "-pk"],
}


class ListedChoices(django_filters.fields.ModelChoiceIterator):
    """A choice list read with one plain query.

    Django reads the choices of a model field through `QuerySet.iterator()`, a server-side
    cursor on PostgreSQL (DECLARE, FETCH, CLOSE: three round trips, and the cursor's result
    kept WITH HOLD outside a transaction), which suits long lists. Industries and skills are a
    few dozen rows that every rendering of the browse form reads whole.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ListedChoiceField(django_filters.fields.ModelChoiceField):
    iterator = ListedChoices


class ListedMultipleChoiceField(django_filters.fields.ModelMultipleChoiceField):
    iterator = ListedChoices


class ListedChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = ListedChoiceField


class ListedMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = ListedMultipleChoiceField


class AmountFilter(django_filters.NumberFilter):
    """A number box that accepts 0 to 100 000: the browse form's rate and hours."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 100_000)
        kwargs.setdefault("widget", widgets.NumberInput)
        super().__init__(*args, **kwargs)


def estimated_count(queryset: QuerySet) -> int:
    """How many rows the planner expects `queryset` to return: its statistics, no scan."""
    sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class ListingFilter(django_filters.FilterSet):
    """The browse and search form: every field narrows the open listings it is given.

    The fields are declared in the order the browse page shows them.
    """

    q = django_filters.CharFilter(
        label="Search",
        method="search",
        max_length=200,
        widget=widgets.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text="Words from the title, skills or description. Use quotes for a phrase.",
    )
    industry = ListedChoiceFilter(
        label="Industry",
        queryset=Industry.objects.all(),
        to_field_name="slug",
        empty_label="All industries",
        widget=widgets.Select,
    )
    location_type = django_filters.ChoiceFilter(
        label="Where",
        choices=Listing.LocationType.choices,
        empty_label="Anywhere",
        widget=widgets.Select,
    )
    min_rate = AmountFilter(
        label="Minimum hourly rate",
        field_name="hourly_rate",
        lookup_expr="gte",
        help_text="The fee divided by the estimated hours, in the listing's currency.",
    )
    max_hours = AmountFilter(
        label="At most this many hours",
        field_name="estimated_hours",
        lookup_expr="lte",
    )
    skills = ListedMultipleChoiceFilter(
        label="Skills",
        queryset=Skill.objects.all(),
        to_field_name="slug",
        method="with_any_skill",
        widget=widgets.CheckboxSelectMultiple,
        help_text="Shows projects that need any of the skills you tick.",
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by",
        choices=SORT_CHOICES,
        method="keep",
        empty_label=None,
        widget=widgets.Select,
    )

    class Meta:
        model = Listing
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        # Show the ordering actually used: best match for a search unless another was chosen.
        if data is not None and data.get("q") and not data.get("sort"):
            data = data.copy()
            data["sort"] = SORT_RELEVANCE
        super().__init__(data, *args, **kwargs)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        query = SearchQuery(value, search_type="websearch", config=SEARCH_CONFIG)
        matches = queryset.filter(search_vector=query)
        if self.sort_key != SORT_RELEVANCE:
            return matches
        # Read once here, not as a subquery that the count and the page would each run again.
        # One more than the window, so that the count can tell there are more matches.
        if estimated_count(matches) <= INDEX_FIRST_UP_TO:
            # NULLS LAST: an order the published_at indexes cannot give, so the planner does
            # not walk them (every published listing has a publication time: same order).
            newest = matches.order_by(F("published_at").desc(nulls_last=True), "-pk")
        else:
            newest = matches.order_by(*ORDERINGS[SORT_NEWEST])
        window = list(newest.values_list("pk", flat=True)[: RANK_WINDOW + 1])
        return queryset.filter(pk__in=window).annotate(rank=SearchRank(F("search_vector"), query))

    def with_any_skill(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        # EXISTS rather than a join: a listing matching two skills must appear once.
        through = Listing.skills.through.objects.filter(listing=OuterRef("pk"), skill__in=value)
        return queryset.filter(Exists(through))

    def keep(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Ordering is applied last, in filter_queryset, once we know whether there is a search.
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # The search goes last, so that its window holds the newest matches of every filter.
        cleaned = self.form.cleaned_data
        for name, value in cleaned.items():
            if name != "q":
                queryset = self.filters[name].filter(queryset, value)
        if cleaned.get("q"):
            queryset = self.filters["q"].filter(queryset, cleaned["q"])
        return queryset.order_by(*ORDERINGS[self.sort_key])

    @property
    def searching(self) -> bool:
        return bool(self.is_bound and self.form.cleaned_data.get("q"))

    @property
    def sort_key(self) -> str:
        """The ordering in use: the chosen one, else relevance for a search, else newest."""
        chosen = self.form.cleaned_data.get("sort") if self.is_bound else ""
        if chosen == SORT_RELEVANCE and not self.searching:
            return SORT_NEWEST
        if chosen:
            return chosen
        return SORT_RELEVANCE if self.searching else SORT_NEWEST

    @property
    def active(self) -> bool:
        """True when any filter (not just the sort order) narrows the list."""
        if not self.is_bound:
            return False
        return any(self.data.get(name) not in (None, "") for name in self.filters if name != "sort")
