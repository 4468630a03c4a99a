"""What people type into a conversation: a message, the reason for a report, a check-in."""

from __future__ import annotations

from django import forms

from messaging.models import CheckIn, Message, MessageReport


class MessageForm(forms.Form):
    """One plain-text message."""

    body = forms.CharField(
        label="Your message",
        max_length=Message.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "Plain text, at most 2,000 characters. Keep the conversation here: the career "
            "center can help only with what is written on MicroIntern."
        ),
        error_messages={"required": "Write your message."},
    )


class ReportForm(forms.Form):
    """Why a message is reported (optional)."""

    reason = forms.CharField(
        label="What is wrong with this message? (optional)",
        required=False,
        max_length=MessageReport._meta.get_field("reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CheckInForm(forms.Form):
    """'On track' or 'need help': the button pressed."""

    answer = forms.ChoiceField(choices=CheckIn.Answer.choices)
