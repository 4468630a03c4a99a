"""Applications and what follows them, one module per feature; every name importable from here."""

from applications.models.application import (
    STATE_PHRASES,
    AlreadyApplied,
    Application,
    ApplicationQuerySet,
    NextStep,
    SubqueryCount,
    application_resume_path,
)
from applications.models.calendar_feed import CalendarFeed, new_calendar_token
from applications.models.events import ApplicationEvent
from applications.models.feedback import Feedback, FeedbackQuerySet
from applications.models.payment import Payment, PaymentStatus, describe_payment

__all__ = [
    "STATE_PHRASES",
    "AlreadyApplied",
    "Application",
    "ApplicationEvent",
    "ApplicationQuerySet",
    "CalendarFeed",
    "Feedback",
    "FeedbackQuerySet",
    "NextStep",
    "Payment",
    "PaymentStatus",
    "SubqueryCount",
    "application_resume_path",
    "describe_payment",
    "new_calendar_token",
]
