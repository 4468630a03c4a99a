"""Indexes of listings for the orders and searches of the large lists (see README Performance)."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper

ORDER_AND_SEARCH_INDEXES = [
    # max(updated_at) is the version of the pages cached for visitors (listings.views); with
    # the id, the staff list's order (newest change first) is read from the index, and a deep
    # page's ids without reading the rows before them.
    models.Index(fields=["updated_at", "id"], name="listing_updated_id"),
    # "Highest fee" first: a search for a common word then stops after a page's worth.
    models.Index(fields=["status", "-fee", "-published_at", "-id"], name="listing_status_fee"),
    # The staff's search (icontains: UPPER(column) LIKE '%WORD%'), answered by trigrams.
    GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="listing_title_trgm"),
    GinIndex(OpClass(Upper("contact_email"), name="gin_trgm_ops"), name="listing_contact_trgm"),
]
