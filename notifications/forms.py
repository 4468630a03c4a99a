from django import forms

from notifications.models import CATEGORY_DESCRIPTIONS, Category, NotificationPreference


class PreferencesForm(forms.Form):
    """One checkbox per category a person may turn off; account emails are shown, always on."""

    def __init__(self, *args, current: dict[str, bool], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for category in Category:
            always_on = category not in NotificationPreference.optional_categories()
            help_text = CATEGORY_DESCRIPTIONS[category]
            if always_on:
                help_text += " Always sent: they keep your account safe and working."
            # A disabled field ignores what is posted, so account emails cannot be turned off.
            self.fields[category.value] = forms.BooleanField(
                label=category.label,
                required=False,
                initial=current[category.value],
                disabled=always_on,
                help_text=help_text,
            )

    def save(self, *, user) -> list[str]:
        """Store each optional category's choice; the labels of those that changed."""
        changed = []
        for category in NotificationPreference.optional_categories():
            if category.value in self.changed_data:
                NotificationPreference.set(
                    user=user, category=category, enabled=self.cleaned_data[category.value]
                )
                changed.append(category.label)
        return changed
