"""Lifecycles: each declared once, every change of state made one way.

A model with a lifecycle declares its transitions in one `Lifecycle` (which states each
transition leaves, where it leads, what it stamps, who is told) and mixes in
`LifecycleModel`, whose `apply_transition` is the one way a status changes: the row is
locked, the stored state checked, status and stamps saved, an event row written and the
emails queued in the outbox, delivered once the transaction commits. Admin steps,
templates ("what can happen next") and the state-machine tests read the same declaration.
A model may declare a second lifecycle on a state field of its own (an application's
payment beside its status), moved, recorded and told the same way. `state_field` and
`actor_field` declare the columns such models have: the state, and who moved it;
`VocabularyField` any other column of choices, each enforced by the database too.

The package knows no domain app, so every app can use it: `accounts`, `listings` and
`applications` each declare their own lifecycles on top of it.
"""

from lifecycle.events import LifecycleEvent
from lifecycle.fields import VocabularyField, actor_field, state_field
from lifecycle.kernel import (
    Lifecycle,
    LifecycleModel,
    StatusIs,
    Transition,
    UnknownStatus,
    choices_constraint,
)

__all__ = [
    "Lifecycle",
    "LifecycleEvent",
    "LifecycleModel",
    "StatusIs",
    "Transition",
    "UnknownStatus",
    "VocabularyField",
    "actor_field",
    "choices_constraint",
    "state_field",
]
