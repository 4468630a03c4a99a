"""Admin steps: a transition the back office applies after a confirmation page.

A step is offered as an admin action (on the selected objects) and as a page of its own
(`<object_id>/do/<step_name>/`, linked from the change page). When the step asks for words
(a reason, a comment, a message) the confirmation page shows them as a form; the step then
calls the model's transition method on each object with `by=request.user` and those words,
and reports what was done or refused. Listings and applications both use it, in the staff
and in the employer site.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

if TYPE_CHECKING:
    from lifecycle import Lifecycle

CONFIRM_TEMPLATE = "admin/steps/confirm.html"


@dataclass(frozen=True)
class Step:
    """One transition offered in an admin, and what its confirmation page asks for."""

    name: str
    title: str
    #: The success message: {count} becomes "2 listings", {names} the names of what changed.
    done: str
    #: The model method to call ("" calls the one named like the step); it takes `by=`
    #: and the words asked for below.
    method: str = ""
    #: The statuses the step is offered from. Left out, `step_table` reads them from the
    #: model's declaration of the transition the method performs, so they are written once.
    allowed_from: frozenset[str] | None = None
    #: The object's field those statuses are of (set by `step_table` from the lifecycle).
    state_field: str = "status"
    #: A boolean attribute of the object that must be true too for the step to be offered
    #: ("" for none): a condition outside the state field.
    offered_if: str = ""
    #: The confirmation button ("" reads like the title).
    button: str = ""
    intro: str = ""
    #: The keyword the model method takes the typed text as ("" asks for no text).
    text_kwarg: str = ""
    text_label: str = ""
    text_required: bool = False
    text_help: str = ""
    #: The words the form starts with (a kind default the person may change).
    text_initial: str = ""
    #: Whether a reason code is asked for too (passed to the method as `reason=`).
    reason: bool = False
    reason_required: bool = False
    #: Whether several objects can be changed at once.
    bulk: bool = True

    def __post_init__(self) -> None:
        if self.allowed_from is not None:
            object.__setattr__(self, "allowed_from", frozenset(self.allowed_from))
        object.__setattr__(self, "method", self.method or self.name)
        object.__setattr__(self, "button", self.button or self.title)

    #: A form of the step's own (taking `step=`) whose cleaned data are the method's
    #: keyword arguments, for a step that asks for more than words (a date, an amount).
    form: type[forms.Form] | None = None

    @property
    def asks_for_words(self) -> bool:
        """Whether the step needs a confirmation form (else a POST applies it at once)."""
        return bool(self.text_kwarg or self.reason or self.form)

    def is_offered_for(self, obj: models.Model) -> bool:
        """Whether the object's state (and condition) lets the step be offered now."""
        if getattr(obj, self.state_field) not in self.allowed_from:
            return False
        return not self.offered_if or bool(getattr(obj, self.offered_if))


def step_table(
    *steps: Step, lifecycle: Lifecycle | Sequence[Lifecycle] | None = None
) -> dict[str, Step]:
    """Steps by name, in the order they are offered.

    A step without its own `allowed_from` is offered from the states the `lifecycle` (or
    the one of several that declares it) gives the transition of the same name as its
    method (`Listing.TRANSITIONS`), on that lifecycle's state field.
    """
    lifecycles = (
        [] if lifecycle is None else [lifecycle] if isinstance(lifecycle, Mapping) else lifecycle
    )
    table = {}
    for step in steps:
        if step.allowed_from is None:
            declared = next((lc for lc in lifecycles if step.method in lc), None)
            if declared is None:
                raise ImproperlyConfigured(
                    f"Step {step.name!r} names no states and no declared transition {step.method!r}."
                )
            step = replace(
                step, allowed_from=declared[step.method].source, state_field=declared.field
            )
        table[step.name] = step
    return table


def step_action(step_name: str, description: str, *, permissions: list[str] | None = None):
    """An admin action that opens the confirmation page of one step on the selected objects."""

    @admin.action(description=description, permissions=permissions)
    def action(modeladmin: AdminStepsMixin, request: HttpRequest, queryset: models.QuerySet):
        return modeladmin.run_step(request, queryset, step_name)

    return action


class AdminStepsMixin:
    """Admin actions and per-object pages that apply a Step after its confirmation page.

    Subclasses set `steps`, `step_form` (a form class taking `step=`) and the name of its
    text field, and may override the hooks below for their own wording.
    """

    steps: dict[str, Step] = {}
    step_form: type[forms.Form] | None = None
    #: The form field that holds the text passed to the method as `Step.text_kwarg`.
    step_text_field = "text"
    #: How the confirmation page names what it lists ("This listing", "These 2 listings").
    step_object_name = ""
    step_object_name_plural = ""
    #: Whether a step page opened for an object in a state the step does not start from
    #: sends the user back with a warning (instead of letting the method refuse it).
    step_checks_status_on_open = False

    # Hooks ------------------------------------------------------------------------------

    def has_step_permission(self, request: HttpRequest) -> bool:
        """Whether this user may apply the steps at all."""
        return self.has_change_permission(request)

    def step_object_label(self, obj: models.Model) -> str:
        """How an object is named on the confirmation page and in messages."""
        return str(obj)

    def step_object_details(self, obj: models.Model) -> str:
        """The line under an object's name on the confirmation page."""
        return obj.get_status_display().lower()

    def step_refusal_message(self, obj: models.Model, error: ValidationError) -> str:
        """Why one object was left as it was, naming it."""
        return f"{self.step_object_label(obj)}: {' '.join(error.messages)}"

    def step_object_missing(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The answer for an object this user cannot see (or that does not exist)."""
        raise Http404(f"No such {self.opts.verbose_name}.")

    # URLs and links ---------------------------------------------------------------------

    def get_urls(self):
        return [
            self.own_path("<path:object_id>/do/<str:step_name>/", self.step_view, "step"),
            *super().get_urls(),
        ]

    def own_path(self, route: str, view, name: str):
        """A view of this model admin's own, behind the site's login, named as Django names
        the admin's views (`<app>_<model>_<name>`, reversed by `admin_url`)."""
        info = self.opts.app_label, self.opts.model_name
        return path(route, self.admin_site.admin_view(view), name="{}_{}_{}".format(*info, name))

    def admin_url(self, name: str, *args) -> str:
        """The address of one of this model admin's own views (change, step, ...)."""
        info = self.admin_site.name, self.opts.app_label, self.opts.model_name
        return reverse("{}:{}_{}_{}".format(*info, name), args=args)

    def step_links(self, request: HttpRequest, obj: models.Model) -> list[dict]:
        """The steps the object's status allows: url, title and whether it applies at once."""
        if not self.has_step_permission(request):
            return []
        return [
            {
                "url": self.admin_url("step", obj.pk, step.name),
                "title": f"{step.title}…" if step.asks_for_words else step.button,
                "direct": not step.asks_for_words,
            }
            for step in self.steps.values()
            if step.is_offered_for(obj)
        ]

    # Views and actions ------------------------------------------------------------------

    def step_view(self, request: HttpRequest, object_id: str, step_name: str) -> HttpResponse:
        """One object's step page: confirm, apply, back to its change page."""
        step = self.steps.get(step_name)
        if step is None:
            raise Http404("No such step.")
        if not self.has_step_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self.step_object_missing(request, object_id)
        change_url = self.admin_url("change", obj.pk)
        if (
            self.step_checks_status_on_open
            and request.method != "POST"
            and not step.is_offered_for(obj)
        ):
            self.message_user(
                request,
                f"{self.step_object_label(obj)}: the {self.opts.verbose_name} is "
                f"{getattr(obj, f'get_{step.state_field}_display')().lower()}, "
                f"so “{step.title}” is not open now.",
                messages.WARNING,
            )
            return HttpResponseRedirect(change_url)
        response = self.confirm_step(request, [obj], step, action=None)
        return response or HttpResponseRedirect(change_url)

    def run_step(self, request: HttpRequest, queryset: models.QuerySet, step_name: str):
        """Body of an admin action: show the confirmation page, then apply."""
        step = self.steps[step_name]
        objects = list(queryset)
        if not step.bulk and len(objects) > 1:
            self.message_user(
                request,
                f"“{step.title}” is decided one {self.opts.verbose_name} at a time: "
                "select just one.",
                messages.WARNING,
            )
            return None
        return self.confirm_step(request, objects, step, action=step_name)

    def confirm_step(
        self,
        request: HttpRequest,
        objects: Sequence[models.Model],
        step: Step,
        *,
        action: str | None,
    ) -> HttpResponse | None:
        """Apply the step (None) or show its confirmation page (the response)."""
        form_class = (step.form or self.step_form) if step.asks_for_words else None
        if request.method == "POST" and (form_class is None or "apply" in request.POST):
            form = form_class(request.POST, step=step) if form_class is not None else None
            if form is None or form.is_valid():
                self.apply_step(request, objects, step, self.step_arguments(step, form))
                return None
        else:
            form = form_class(step=step) if form_class is not None else None
        context = {
            **self.admin_site.each_context(request),
            "title": step.title,
            "opts": self.opts,
            "step": step,
            "form": form,
            "objects": [
                {
                    "pk": obj.pk,
                    "label": self.step_object_label(obj),
                    "details": self.step_object_details(obj),
                }
                for obj in objects
            ],
            "object_name": self.step_object_name or self.opts.verbose_name,
            "object_name_plural": self.step_object_name_plural or self.opts.verbose_name_plural,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + (form.media if form is not None else forms.Media()),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, CONFIRM_TEMPLATE, context)

    def step_arguments(self, step: Step, form: forms.Form | None) -> dict:
        """The words from the confirmation form, as the model method's keyword arguments."""
        if form is None:
            return {}
        if step.form is not None:
            return dict(form.cleaned_data)
        kwargs = {}
        if step.text_kwarg:
            kwargs[step.text_kwarg] = form.cleaned_data[self.step_text_field]
        if step.reason:
            kwargs["reason"] = form.cleaned_data.get("reason", "")
        return kwargs

    def apply_step(
        self, request: HttpRequest, objects: Sequence[models.Model], step: Step, kwargs: dict
    ) -> None:
        """Call the step's method on each object; report what changed and what was refused."""
        done = []
        for obj in objects:
            try:
                getattr(obj, step.method)(by=request.user, **kwargs)
            except ValidationError as error:
                self.message_user(request, self.step_refusal_message(obj, error), messages.WARNING)
            else:
                done.append(self.step_object_label(obj))
        opts = self.opts
        if done:
            count = (
                f"{len(done)} {opts.verbose_name if len(done) == 1 else opts.verbose_name_plural}"
            )
            message = step.done.format(count=count, names=", ".join(done))
            self.message_user(request, message, messages.SUCCESS)
        elif not objects:
            self.message_user(
                request, f"No {opts.verbose_name_plural} were changed.", messages.WARNING
            )


def run_transition(modeladmin, request, queryset, method: str, done: str) -> None:
    """Call `method(by=request.user)` on each selected row and report what happened."""
    succeeded, refused = 0, []
    for obj in queryset:
        try:
            getattr(obj, method)(by=request.user)
        except ValidationError as error:
            refused.append(" ".join(error.messages))
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)
    for reason in refused:
        modeladmin.message_user(request, reason, messages.WARNING)
