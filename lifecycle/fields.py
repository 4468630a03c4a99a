"""The columns every model with a lifecycle declares: its state, and who moved it.

Plain Django fields with the options the house always gives them, so each model says only
what is its own (the states, the starting one) and the migrations see ordinary fields.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


def state_field(states: type[models.TextChoices], *, default: str, **options) -> models.CharField:
    """The indexed column a lifecycle moves; back it with `choices_constraint`."""
    return models.CharField(
        max_length=20, choices=states.choices, default=default, db_index=True, **options
    )


def actor_field(**options) -> models.ForeignKey:
    """Who did it: a person, or None when nobody did (a rule) or their account is gone.

    No reverse relation on the user (`related_name="+"`); deleting the person keeps the
    row and forgets the name. `blank=False` where a form must name someone.
    """
    options = {"null": True, "blank": True, "related_name": "+"} | options
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, **options)
