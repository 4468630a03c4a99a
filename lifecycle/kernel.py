"""The transition kernel: declarations, the one function that moves a state, and predicates.

Shaped after django-fsm's `@transition(source=..., target=...)` and viewflow's
`State.transition`, with what they leave out: the state is checked against the locked
row (not a stale copy in memory), every change writes an event row, and emails go to
the outbox to leave after commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

if TYPE_CHECKING:
    from lifecycle.events import LifecycleEvent


@dataclass(frozen=True)
class Transition:
    """One move of a lifecycle: from `source` (one state, or any of a set) to `target`.

    `verb` says what the move does to the object, for the refusal message ("it cannot
    be published"). `stamp` names the datetime field (or fields) set to the moment of the
    change, `stamp_by` the field set to who made it. `guard` names a model method called
    under the row lock once the state is right; it raises ValidationError to refuse.
    `tell` names who is emailed the news of the new state (the audience, or audiences, the
    model's `transition_notice` knows), in the email named after it: an application
    reaching "offered" sends the kind "offered". `notify` maps any other email kind to
    its audiences. A transition whose target depends on the object (reinstating what was
    suspended) lists its possible targets; the caller then says which.

    Source, target and verb may be given in that order:
    `Transition(Status.SUBMITTED, Status.SHORTLISTED, "shortlisted", tell="student")`.
    """

    source: frozenset[str]
    target: str | tuple[str, ...]
    verb: str = ""
    stamp: tuple[str, ...] = ()
    stamp_by: str = ""
    guard: str = ""
    tell: tuple[str, ...] = ()
    notify: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    name: str = ""

    def __post_init__(self) -> None:
        # A lone state, field or audience may be written alone; stored, they are collections,
        # and `notify` holds every email, the one `tell` sends included.
        set_field = object.__setattr__  # the dataclass is frozen
        set_field(self, "source", frozenset(_as_tuple(self.source)))
        set_field(self, "stamp", _as_tuple(self.stamp))
        set_field(self, "tell", _as_tuple(self.tell))
        notify = {kind: _as_tuple(audiences) for kind, audiences in self.notify.items()}
        if self.tell:
            if not isinstance(self.target, str):
                raise ImproperlyConfigured("A transition with several targets names its emails.")
            notify = {str(self.target): self.tell} | notify
        set_field(self, "notify", notify)

    @property
    def targets(self) -> tuple[str, ...]:
        """Every state this transition may lead to."""
        return (self.target,) if isinstance(self.target, str) else tuple(self.target)


def _as_tuple(value: str | Iterable[str]) -> tuple[str, ...]:
    """One name alone, or several, as a tuple."""
    return (value,) if isinstance(value, str) else tuple(value)


class Lifecycle(Mapping[str, Transition]):
    """A model's states and every transition between them, by name (the method's name)."""

    def __init__(
        self, states: type[models.TextChoices], *, field: str = "status", **transitions: Transition
    ) -> None:
        self.states = states
        self.field = field
        for name, transition in transitions.items():
            unknown = (transition.source | set(transition.targets)) - set(states.values)
            if unknown:
                raise ImproperlyConfigured(
                    f"Transition {name!r} names states {states.__qualname__} lacks: {unknown}."
                )
        self._transitions = {
            name: replace(transition, name=name) for name, transition in transitions.items()
        }

    def __getitem__(self, name: str) -> Transition:
        return self._transitions[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._transitions)

    def __len__(self) -> int:
        return len(self._transitions)

    def from_state(self, state: str) -> list[Transition]:
        """The transitions that may start from `state`, in declaration order."""
        return [t for t in self._transitions.values() if state in t.source]

    def label(self, state: str) -> str:
        """A state's label as people read it ("Waiting for review")."""
        try:
            return str(self.states(state).label)
        except ValueError:
            return state


class LifecycleModel:
    """Mixed into a model with `TRANSITIONS = Lifecycle(...)` and an `events` relation.

    The event model (a `LifecycleEvent`) points at this one with `related_name="events"`.
    A model may declare further lifecycles as other `Lifecycle` attributes, each on a state
    field of its own (an application's payment beside its status); their transitions are
    applied, recorded and told the same way, in the same event table, so the states of
    all of a model's lifecycles have distinct values.
    """

    TRANSITIONS: ClassVar[Lifecycle]

    # --- What can happen ---------------------------------------------------------------

    @classmethod
    def lifecycles(cls) -> list[Lifecycle]:
        """Every lifecycle the model declares: `TRANSITIONS` first, then the others."""
        found = [cls.TRANSITIONS]
        for klass in cls.__mro__:
            for value in vars(klass).values():
                if isinstance(value, Lifecycle) and all(value is not f for f in found):
                    found.append(value)
        return found

    @classmethod
    def lifecycle_of(cls, name: str) -> Lifecycle:
        """The lifecycle that declares the transition `name` (KeyError if none does)."""
        for lifecycle in cls.lifecycles():
            if name in lifecycle:
                return lifecycle
        raise KeyError(f"{cls.__name__} declares no transition {name!r}.")

    @classmethod
    def state_label(cls, state: str) -> str:
        """A state of any of the model's lifecycles as people read it."""
        for lifecycle in cls.lifecycles():
            if state in lifecycle.states.values:
                return lifecycle.label(state)
        return state

    @classmethod
    def transitions_from(cls, state: str) -> list[str]:
        """The names of the transitions declared from `state` (in any of the lifecycles)."""
        return [t.name for lifecycle in cls.lifecycles() for t in lifecycle.from_state(state)]

    def allowed_transitions(self, lifecycle: Lifecycle | None = None) -> list[str]:
        """What can happen next to this object in its main lifecycle (or in `lifecycle`),
        as far as its state goes."""
        lifecycle = lifecycle or self.TRANSITIONS
        return [t.name for t in lifecycle.from_state(getattr(self, lifecycle.field))]

    @property
    def status_is(self) -> _Predicates:
        """Status predicates for templates: `{% if application.status_is.offered %}`."""
        return _Predicates(getattr(self, self.TRANSITIONS.field), self.TRANSITIONS.states)

    # --- Hooks a lifecycle may override -------------------------------------------------

    def transition_refused(self, current: str, transition: Transition, target: str) -> str:
        """Why `transition` cannot start from `current`, addressed to the person who tried."""
        label = self.state_label(current).lower()
        return f"{self} is {label}; it cannot be {transition.verb or transition.name} now."

    def transition_event_fields(self) -> dict[str, Any]:
        """Columns every event row of this lifecycle carries besides the shared ones."""
        return {}

    def transition_notice(self, kind: str, audiences: tuple[str, ...], event) -> None:
        """Queue the `kind` emails a transition declares, for these audiences."""
        raise NotImplementedError(f"{type(self).__name__} declares emails but sends none.")

    def tell(self, people, kind: str, event, *, link: str = "", **context) -> None:
        """Email (and show in the app) `kind` to each person once for this event.

        The template is `<app>/email/<kind>` and the kind `<app>.<kind>`; the template gets
        `person`, `event` and `context`. The outbox sends it after commit.
        """
        from notifications.outbox import queue_email

        app = self._meta.app_label
        for person in {person.pk: person for person in people if person is not None}.values():
            queue_email(
                to=person.email,
                recipient=person,
                kind=f"{app}.{kind}",
                template=f"{app}/email/{kind}",
                context={"person": person, "event": event, **context},
                link=link,
                dedupe_key=f"{app}.{kind}:{event.pk}:{person.pk}",
            )

    # --- The one way a state changes ----------------------------------------------------

    def apply_transition(
        self,
        name: str,
        *,
        by,
        note: str = "",
        to: str | None = None,
        fields: dict[str, Any] | None = None,
        event_fields: dict[str, Any] | None = None,
        at: datetime.datetime | None = None,
    ) -> LifecycleEvent:
        """Run the transition `name` and return its event row.

        Locks the row and checks the stored state (never a stale copy), runs the guard,
        saves the new state, the declared stamps and `fields` (status and stamps only:
        `save()`'s derivations of edited content do not run), writes the event with
        `note` and `event_fields`, and queues the declared emails, which leave once the
        transaction commits. Raises ValidationError, changing nothing, when refused.
        """
        lifecycle = self.lifecycle_of(name)
        transition = lifecycle[name]
        target = to if to is not None else transition.target
        if target not in transition.targets:
            raise ValueError(f"{name} leads to {transition.targets}, not {target!r}.")
        state_field = lifecycle.field
        with transaction.atomic():
            current = (
                type(self)
                ._base_manager.select_for_update()
                .values_list(state_field, flat=True)
                .get(pk=self.pk)
            )
            if current not in transition.source:
                raise ValidationError(self.transition_refused(current, transition, target))
            if transition.guard:
                getattr(self, transition.guard)(current)
            now = at or timezone.now()
            values = {state_field: target} | dict.fromkeys(transition.stamp, now)
            if transition.stamp_by:
                values[transition.stamp_by] = by
            values |= fields or {}
            for attname, value in values.items():
                setattr(self, attname, value)
            touched = {f.name for f in self._meta.concrete_fields if getattr(f, "auto_now", False)}
            models.Model.save(self, update_fields=set(values) | touched)
            event = self.write_event(
                by=by, from_status=current, to_status=target, note=note, **(event_fields or {})
            )
            for kind, audiences in transition.notify.items():
                self.transition_notice(kind, audiences, event)
        return event

    def write_event(self, *, by, from_status: str, to_status: str, note: str = "", **extra):
        """Append one row to this object's history (`by` None: MicroIntern did it)."""
        relation = self._meta.get_field("events")
        return relation.related_model.objects.create(
            **{relation.field.name: self},
            actor=by if getattr(by, "pk", None) else None,
            from_status=from_status,
            to_status=to_status,
            note=note,
            **self.transition_event_fields(),
            **extra,
        )


class UnknownStatus(LookupError):
    """A template asked about a status its model does not have (a typo, or a state gone).

    Not one of the lookup errors templates swallow, so the page fails in the tests
    instead of quietly reading False.
    """


class _Predicates:
    def __init__(self, current: str, states: type[models.TextChoices]) -> None:
        self._current = current
        self._states = states

    def __getitem__(self, state: str) -> bool:
        if state not in self._states.values:
            raise UnknownStatus(f"{self._states.__qualname__} has no status {state!r}.")
        return self._current == state

    def __getattr__(self, state: str) -> bool:
        if state.startswith("_"):
            raise AttributeError(state)
        return self[state]


class StatusIs:
    """Status predicates for templates: `{% if application.status_is.offered %}`.

    Derived from the choices, so templates never spell a raw comparison, and a status
    the model lacks fails loudly (UnknownStatus) rather than reading False.
    """

    def __init__(self, states: type[models.TextChoices], *, field: str = "status") -> None:
        self.states = states
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return _Predicates(getattr(instance, self.field), self.states)


def choices_constraint(
    name: str, choices: type[models.Choices], *, field: str = "status"
) -> models.CheckConstraint:
    """The database's copy of a field's choices: no other value is ever stored.

    `VocabularyField` and `state_field` add it to their model; a nested `class Meta`
    cannot see the choices declared beside it in the model.
    """
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)
