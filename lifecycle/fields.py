"""The columns models declare again and again: a value from a vocabulary, a state, who moved it.

Plain Django fields with the options the house always gives them, so each model says only
what is its own (the vocabulary, the starting state, the constraint's name) and the
migrations see ordinary fields and constraints.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lifecycle.kernel import StatusIs, choices_constraint


class VocabularyField(models.CharField):
    """A text column holding one value of a `TextChoices` vocabulary, in the database too.

    Choices alone do not constrain the data, so the field adds to its model the
    `CheckConstraint` that stores only the vocabulary's values: the vocabulary is written
    once, beside the column, and never restated as a list in `Meta`. The constraint is
    named `<model>_<column>_valid` unless `constraint` names it (tables older than the rule).
    Migrations see a plain `CharField` and the constraint.
    """

    def __init__(
        self, vocabulary: type[models.TextChoices], *, constraint: str = "", **options
    ) -> None:
        self.vocabulary = vocabulary
        self.constraint_name = constraint
        super().__init__(**{"max_length": 20, "choices": vocabulary.choices} | options)

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        if cls._meta.abstract:
            return
        constraint_name = self.constraint_name or f"{cls._meta.model_name}_{name}_valid"
        constraint = choices_constraint(constraint_name, self.vocabulary, field=name)
        cls._meta.constraints = [*cls._meta.constraints, constraint]
        # Migrations read a model's constraints only when its Meta declared some.
        cls._meta.original_attrs["constraints"] = cls._meta.constraints

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs

    def clone(self) -> models.CharField:
        """The plain column, as migrations record it (its constraint is the model's)."""
        _name, _path, args, kwargs = self.deconstruct()
        return models.CharField(*args, **kwargs)


class StateField(VocabularyField):
    """The indexed column a lifecycle moves; templates read it as `<field>_is.<state>`."""

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        predicates = f"{name}_is"
        if not hasattr(cls, predicates):
            setattr(cls, predicates, StatusIs(self.vocabulary, field=name))


def state_field(
    states: type[models.TextChoices], *, default: str, constraint: str = "", **options
) -> StateField:
    """The indexed state column, its values enforced by the database (see VocabularyField)."""
    return StateField(states, constraint=constraint, default=default, db_index=True, **options)


def actor_field(**options) -> models.ForeignKey:
    """Who did it: a person, or None when nobody did (a rule) or their account is gone.

    No reverse relation on the user (`related_name="+"`); deleting the person keeps the
    row and forgets the name. `blank=False` where a form must name someone.
    """
    options = {"null": True, "blank": True, "related_name": "+"} | options
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, **options)
