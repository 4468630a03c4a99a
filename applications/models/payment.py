"""Getting paid: after the work is complete the organization records the payment and the
student confirms it arrived (or says it has not). A lifecycle of its own beside the status."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format

from lifecycle import Lifecycle, Transition
from lifecycle.fields import state_field


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", "Not paid yet"
    RECORDED = "payment_recorded", "Payment recorded by the organization"
    PAID = "paid", "Payment confirmed by the student"
    MISSING = "payment_missing", "Payment not received"


class Payment(models.Model):
    """The payment of a completed engagement, confirmed by both sides (mixed into Application)."""

    PaymentStatus = PaymentStatus
    #: Where the organization has a payment to record: none yet, or the student says the
    #: recorded one has not arrived.
    AWAITING_PAYMENT = {PaymentStatus.UNPAID, PaymentStatus.MISSING}

    #: How the payment moves; each transition a method of the same name, with its emails.
    PAYMENT = Lifecycle(
        PaymentStatus,
        field="payment_status",
        record_payment=Transition(
            AWAITING_PAYMENT,
            PaymentStatus.RECORDED,
            "recorded as paid",
            stamp="payment_recorded_at",
            guard="_check_payment_due",
            tell="student",
        ),
        confirm_payment=Transition(
            {PaymentStatus.RECORDED, PaymentStatus.MISSING},
            PaymentStatus.PAID,
            "confirmed as paid",
            stamp="payment_confirmed_at",
            notify={"payment_confirmed": "employer"},
        ),
        report_payment_missing=Transition(
            PaymentStatus.RECORDED, PaymentStatus.MISSING, "reported as not paid", tell="employer"
        ),
    )

    payment_status = state_field(
        PaymentStatus, default=PaymentStatus.UNPAID, constraint="application_payment_valid"
    )
    paid_on = models.DateField("paid on", null=True, blank=True)
    payment_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    payment_reference = models.CharField(max_length=100, blank=True)
    payment_recorded_at = models.DateTimeField(null=True, blank=True)
    payment_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def payment_due(self) -> bool:
        """The work is complete and the organization has a payment to record."""
        return self.status == self.Status.COMPLETED and self.payment_status in self.AWAITING_PAYMENT

    @property
    def payment_summary(self) -> str:
        """“500 EUR paid on 3 December 2026 (reference INV-12)”, once recorded."""
        if self.paid_on is None or self.payment_amount is None:
            return ""
        return describe_payment(
            self.payment_amount, self.listing.currency, self.paid_on, self.payment_reference
        )

    def _check_payment_due(self, current: str) -> None:
        if self.status != self.Status.COMPLETED:
            raise ValidationError("The work is not marked complete; record the payment once it is.")

    def record_payment(
        self, *, by, paid_on: datetime.date, amount: Decimal, reference: str = ""
    ) -> None:
        """The organization says it paid the student: when, how much, and its reference."""
        if amount is None or amount <= 0:
            raise ValidationError("Give the amount paid, more than zero.")
        if paid_on > timezone.localdate():
            raise ValidationError("The payment date cannot be in the future.")
        reference = reference.strip()
        self.apply_transition(
            "record_payment",
            by=by,
            note=describe_payment(amount, self.listing.currency, paid_on, reference) + ".",
            fields={"paid_on": paid_on, "payment_amount": amount, "payment_reference": reference},
        )

    def confirm_payment(self, *, by) -> None:
        """The student confirms the payment arrived."""
        if by != self.student:
            raise ValidationError("Only the student can confirm the payment.")
        self.apply_transition("confirm_payment", by=by)

    def report_payment_missing(self, *, by, note: str = "") -> None:
        """The student says the recorded payment has not arrived."""
        if by != self.student:
            raise ValidationError("Only the student can say the payment has not arrived.")
        self.apply_transition("report_payment_missing", by=by, note=note.strip())


def describe_payment(
    amount: Decimal, currency: str, paid_on: datetime.date, reference: str = ""
) -> str:
    """A payment in words: “500 EUR paid on 3 December 2026 (reference INV-12)”."""
    amount = Decimal(amount).quantize(Decimal("0.01"))
    shown = f"{amount:f}".removesuffix(".00")
    text = f"{shown} {currency} paid on {date_format(paid_on, 'j F Y')}"
    return f"{text} (reference {reference})" if reference else text
