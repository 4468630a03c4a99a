"""The browse form's choice widgets, written out in Python instead of a template per option.

Rendering Django's select and checkbox widgets includes a template for every option (and,
for a checkbox, two more inside it): on /listings/, rendered afresh for every signed-in
person, the filter form's 24 skills and three lists took a quarter of the page's time (and
each text or number box two templates more). These
widgets give byte for byte the HTML of Django's templates (tests/listings/test_widgets.py
compares them), unless a project template overrides Django's, in which case they use it.
"""

from __future__ import annotations

from django import forms
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

#: Where Django's own widget templates live; an override elsewhere wins over the Python.
DJANGO_FORMS = "django/forms/templates/"


def _overridden(template_name: str) -> bool:
    try:
        origin = get_template(template_name).origin.name
    except TemplateDoesNotExist:
        return True
    return DJANGO_FORMS not in origin.replace("\\", "/")


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(format_html(" {}", name))
        else:
            parts.append(format_html(' {}="{}"', name, str(value)))
    return "".join(parts)


def _input(widget: dict) -> str:
    """django/forms/widgets/input.html."""
    value = "" if widget["value"] is None else format_html(' value="{}"', str(widget["value"]))
    return format_html(
        '<input type="{}" name="{}"{}{}>\n',
        widget["type"],
        widget["name"],
        value,
        mark_safe(_attrs(widget["attrs"])),  # noqa: S308 - built by format_html
    )


class _WrittenOut:
    """Render with `write(context)` when the widget's templates are Django's own. `write`
    escapes every value it puts in the HTML (format_html, conditional_escape)."""

    templates: tuple[str, ...] = ()
    _use_python: bool | None = None

    def _render(self, template_name, context, renderer=None):
        cls = type(self)
        if cls._use_python is None:
            cls._use_python = not any(_overridden(name) for name in cls.templates)
        if template_name == self.template_name and cls._use_python:
            # As BaseRenderer.render: the outer template's output is stripped.
            return mark_safe(self.write(context["widget"]).strip())  # noqa: S308 - see write()
        return super()._render(template_name, context, renderer)


class _WrittenOutInput(_WrittenOut):
    """An <input>: written out unless its own template, input.html or attrs.html is overridden."""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.templates = (
            cls.template_name,
            "django/forms/widgets/input.html",
            "django/forms/widgets/attrs.html",
        )

    def write(self, widget: dict) -> str:
        return _input(widget)


class TextInput(_WrittenOutInput, forms.TextInput):
    pass


class NumberInput(_WrittenOutInput, forms.NumberInput):
    pass


class Select(_WrittenOut, forms.Select):
    templates = (
        "django/forms/widgets/select.html",
        "django/forms/widgets/select_option.html",
        "django/forms/widgets/attrs.html",
    )

    def write(self, widget: dict) -> str:
        html = [format_html('<select name="{}"', widget["name"]), _attrs(widget["attrs"]), ">"]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                html.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',
                        str(option["value"]),
                        mark_safe(_attrs(option["attrs"])),  # noqa: S308 - format_html
                        option["label"],
                    )
                )
            if group_name:
                html.append("\n  </optgroup>")
        html.append("\n</select>\n")
        return "".join(html)


class CheckboxSelectMultiple(_WrittenOut, forms.CheckboxSelectMultiple):
    templates = (
        "django/forms/widgets/checkbox_select.html",
        "django/forms/widgets/multiple_input.html",
        "django/forms/widgets/checkbox_option.html",
        "django/forms/widgets/input_option.html",
        "django/forms/widgets/input.html",
        "django/forms/widgets/attrs.html",
    )

    def write(self, widget: dict) -> str:
        attrs = widget["attrs"]
        html = ["<div"]
        if attrs.get("id"):
            html.append(format_html(' id="{}"', attrs["id"]))
        if attrs.get("class"):
            html.append(format_html(' class="{}"', attrs["class"]))
        html.append(">")
        for group, options, _index in widget["optgroups"]:
            if group:
                html.append(format_html("\n  <div><label>{}</label>", group))
            for option in options:
                html.append("<div>\n    ")
                html.append(self._option(option))
                html.append("</div>")
            if group:
                html.append("\n  </div>")
        html.append("\n</div>\n\n")
        return "".join(html)

    @staticmethod
    def _option(option: dict) -> str:
        """checkbox_option.html, which includes input_option.html."""
        if not option["wrap_label"]:
            return _input(option) + "\n\n"
        label_for = option["attrs"].get("id")
        opening = format_html('<label for="{}">', label_for) if label_for else "<label>"
        return f"{opening}{_input(option)} {conditional_escape(option['label'])}</label>\n\n"
