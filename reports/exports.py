"""CSV exports of listings, applications and feedback for a period, with stable columns.

The column names are a contract: spreadsheets and scripts read them. Add new columns at
the end (before `student_email`), never rename or reorder. The dashboard page lists them
with their meaning from `COLUMNS`.

No export ever holds a résumé or anything read from one, nor the students' pitches.
Student emails appear only in exports whose `include_emails` is set (recorded on the
Export row), as the last column.
"""

from __future__ import annotations

import csv
import datetime
import io
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import KW_ONLY, dataclass, replace

from django.conf import settings
from django.core.files import File
from django.db.models import CharField, Count, F, Func, QuerySet, Value
from django.db.models.functions import Concat, Trim
from django.http import StreamingHttpResponse
from django.utils.cache import add_never_cache_headers

from applications.models import Application, Feedback
from listings.models import Listing
from reports.models import Export
from reports.queries import Period

#: Rows fetched and written per batch; progress is recorded after each one.
BATCH_SIZE = 1000
#: A cell starting with one of these would run as a formula in a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One CSV column: its stable name, what it means, where the value comes from."""

    name: str
    description: str
    _: KW_ONLY
    #: The field or lookup the value is read from, when it is not the column's own name.
    source: str = ""
    #: Free text typed by someone: neutralised against spreadsheet formulas.
    text: bool = False
    #: A date-time: written as ISO 8601 in UTC by the database itself.
    moment: bool = False

    def expression(self):
        source = self.source or self.name
        return IsoUtc(source) if self.moment else F(source)


class IsoUtc(Func):
    """A date-time as ISO 8601 text in UTC, formatted by PostgreSQL: 2026-03-10T14:00:00+00:00.

    Formatting in the database spares the export one Python date-time per cell, which
    is most of the work on a large file.
    """

    template = """to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')"""
    output_field = CharField()


EMAIL_COLUMN = Column(
    "student_email",
    "The student's email address; only in exports with student emails included.",
    source="student__email",
)

#: The exports whose rows are each about one application, and the path from a row to it.
TO_APPLICATION = {Export.Kind.APPLICATIONS: "", Export.Kind.FEEDBACK: "application__"}


def engagement_columns(kind: str, listing_meaning: str) -> list[Column]:
    """The listing, organization and student of the application a row is about."""
    path = TO_APPLICATION[kind]
    return [
        Column("listing_id", listing_meaning, source=f"{path}listing_id"),
        Column("listing_title", "The listing's title.", source=f"{path}listing__title", text=True),
        Column(
            "organization",
            "The organization.",
            source=f"{path}listing__organization__name",
            text=True,
        ),
        Column("industry", "The listing's industry.", source=f"{path}listing__industry__name"),
        Column("student_id", "MicroIntern's number for the student.", source=f"{path}student_id"),
        Column("student_name", "The student's name.", text=True),
    ]


COLUMNS: dict[str, list[Column]] = {
    Export.Kind.LISTINGS: [
        Column("listing_id", "MicroIntern's number for the listing.", source="pk"),
        Column("title", "The listing's title.", text=True),
        Column("organization", "The organization's name.", source="organization__name", text=True),
        Column("organization_id", "MicroIntern's number for the organization."),
        Column("industry", "The listing's industry.", source="industry__name"),
        Column("status", "Current status code (draft, submitted, published, …)."),
        Column("location_type", "remote, hybrid or onsite."),
        Column("country", "Two-letter country code, if given."),
        Column("estimated_hours", "Hours of work the organization expects."),
        Column("fee", "The fixed fee for the project, per student."),
        Column("currency", "Currency of the fee (USD, EUR, GBP, CAD)."),
        Column("hourly_rate", "Effective hourly rate: fee ÷ estimated hours."),
        Column("openings", "How many students the organization will hire."),
        Column("application_deadline", "Last day to apply."),
        Column("due_date", "When the deliverables are due."),
        Column("created_at", "When the listing was first saved (UTC).", moment=True),
        Column("submitted_at", "Latest submission for review (UTC).", moment=True),
        Column("published_at", "First publication (UTC).", moment=True),
        Column("closed_at", "When applications closed (UTC).", moment=True),
        Column("applications", "Applications received so far.", source="application_count"),
    ],
    Export.Kind.APPLICATIONS: [
        Column("application_id", "MicroIntern's number for the application.", source="pk"),
        Column("submitted_at", "When the student applied (UTC).", source="created_at", moment=True),
        Column("status", "Current status code (submitted, offered, completed, …)."),
        *engagement_columns(Export.Kind.APPLICATIONS, "The listing applied to."),
        Column("viewed_at", "When the organization first opened it (UTC).", moment=True),
        Column("decided_at", "Offer or not-selected decision (UTC).", moment=True),
        Column("offered_at", "When the offer was made (UTC).", moment=True),
        Column("accepted_at", "When the student accepted (UTC).", moment=True),
        Column("work_submitted_at", "Latest hand-in of the work (UTC).", moment=True),
        Column("completed_at", "When the organization confirmed completion (UTC).", moment=True),
        Column("fee", "The listing's fee, per student.", source="listing__fee"),
        Column("currency", "Currency of the fee.", source="listing__currency"),
    ],
    Export.Kind.FEEDBACK: [
        Column("feedback_id", "MicroIntern's number for the feedback.", source="pk"),
        Column("given_at", "When it was first given (UTC).", source="created_at", moment=True),
        Column("author_role", "employer (rates the student) or student (rates the experience)."),
        Column("rating", "1 to 5."),
        Column("comment", "The written comment.", text=True),
        Column("public", "An employer's testimonial the student shows publicly (true/false)."),
        Column("application_id", "The engagement it is about."),
        *engagement_columns(Export.Kind.FEEDBACK, "The listing."),
        Column(
            "completed_at",
            "When the engagement was completed (UTC).",
            source="application__completed_at",
            moment=True,
        ),
    ],
}

#: What each export covers, shown next to its columns.
SCOPE = {
    Export.Kind.LISTINGS: "Listings submitted for review or first published in the period.",
    Export.Kind.APPLICATIONS: "Applications submitted in the period, with where they are now.",
    Export.Kind.FEEDBACK: "Feedback given in the period, from both sides.",
}

EMAIL_SOURCE = {kind: f"{path}student__email" for kind, path in TO_APPLICATION.items()}


def columns(kind: str, *, include_emails: bool = False) -> list[Column]:
    """The columns of one kind of export, the email column last when asked for."""
    found = list(COLUMNS[kind])
    if include_emails and kind in EMAIL_SOURCE:
        found.append(replace(EMAIL_COLUMN, source=EMAIL_SOURCE[kind]))
    return found


def header(kind: str, *, include_emails: bool = False) -> list[str]:
    return [column.name for column in columns(kind, include_emails=include_emails)]


def queryset(kind: str, period: Period) -> QuerySet:
    """The rows of one export for `period`, in a stable order (oldest first)."""
    if kind == Export.Kind.LISTINGS:
        return (
            Listing.objects.filter(period.in_industry("industry"))
            .filter(period.during("submitted_at") | period.during("published_at"))
            .annotate(application_count=Count("applications"))
            .order_by("created_at", "pk")
        )
    if kind in TO_APPLICATION:
        model = Application if kind == Export.Kind.APPLICATIONS else Feedback
        path = TO_APPLICATION[kind]
        return (
            model.objects.filter(
                period.during("created_at"), period.in_industry(f"{path}listing__industry")
            )
            .annotate(student_name=full_name(f"{path}student"))
            .order_by("created_at", "pk")
        )
    raise ValueError(f"Unknown export: {kind}")


def full_name(user: str) -> Trim:
    """“First Last” of a related user, as the database writes it."""
    return Trim(Concat(f"{user}__first_name", Value(" "), f"{user}__last_name"))


def count_rows(kind: str, period: Period) -> int:
    """How many rows the export would hold (one COUNT query, no annotations)."""
    return queryset(kind, period).values("pk").order_by().count()


def cell(value, *, text: bool = False) -> str:
    """One value as CSV text: ISO dates in UTC, plain decimals, formulas neutralised."""
    if value is None:
        return ""
    if value.__class__ is str:
        return "'" + value if text and value.startswith(FORMULA_STARTS) else value
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="seconds")
    return str(value)


def rows(kind: str, period: Period, *, include_emails: bool = False) -> Iterator[list[str]]:
    """Every data row of the export, fetched in batches from a server-side cursor."""
    wanted = columns(kind, include_emails=include_emails)
    texts = [column.text for column in wanted]
    values = queryset(kind, period).values_list(*(column.expression() for column in wanted))
    for record in values.iterator(chunk_size=BATCH_SIZE):
        yield [cell(value, text=text) for value, text in zip(record, texts, strict=True)]


class _Echo:
    """A file-like object whose write() hands the line back (for streaming)."""

    def write(self, value: str) -> str:
        return value


def stream(export: Export) -> StreamingHttpResponse:
    """A small export as a download that starts at once (nothing is stored)."""
    period = Period.from_filters(export.filters)
    writer = csv.writer(_Echo())

    def lines() -> Iterable[str]:
        yield writer.writerow(header(export.kind, include_emails=export.include_emails))
        for row in rows(export.kind, period, include_emails=export.include_emails):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.download_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


def build(export: Export) -> bool:
    """Write a large export to private storage in batches, recording progress; False if not ours."""
    period = Period.from_filters(export.filters)
    if not export.start(rows_total=count_rows(export.kind, period)):
        return False
    try:
        with tempfile.TemporaryFile(mode="w+b") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            writer = csv.writer(text)
            writer.writerow(header(export.kind, include_emails=export.include_emails))
            written = 0
            for row in rows(export.kind, period, include_emails=export.include_emails):
                writer.writerow(row)
                written += 1
                if written % BATCH_SIZE == 0:
                    export.record_progress(written)
            text.flush()
            raw.seek(0)
            export.finish(name=export.download_name, content=File(raw), rows=written)
            text.detach()
    except Exception as error:
        export.fail(error=f"The export stopped: {error.__class__.__name__}. Start it again.")
        raise
    return True


def inline_limit() -> int:
    """Exports of at most this many rows download at once."""
    return settings.REPORTS_EXPORT_INLINE_MAX_ROWS
