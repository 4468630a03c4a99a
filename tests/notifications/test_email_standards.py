"""Email to its standards: multipart/alternative with an accessible HTML part in the same
words, one-line List-Unsubscribe headers that pass the bulk-sender audit, a stable
Message-ID, a Date with its offset and Auto-Submitted on every automatic message."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

import listunsub
import pytest
from django.core import mail

from notifications.delivery import build_message, deliver
from notifications.models import Category
from notifications.outbox import queue_email

pytestmark = pytest.mark.django_db

BODY = (
    "Hello Ada,\n\n"
    "Northwind Labs offered you the project “Survey analysis”.\n"
    "Answer by Friday: https://microintern.example/applications/7/\n\n"
    "- Read the brief\n"
    "- Accept or decline\n\n"
    "Good luck & thanks <3"
)


class _Text(HTMLParser):
    """The words a reader sees in an HTML part, and what it says about itself."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.lang = self.title = ""
        self.links: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang", "")
        if tag == "a":
            self.links.append(attrs["href"])
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        else:
            self.words += data.split()


def queued(settings, *, kind="applications.offered", **fields):
    """One outbox row from the site at https://microintern.example."""
    settings.SITE_URL = "https://microintern.example"
    fields = {
        "to": "ada@student.test",
        "subject": "Your offer from Northwind Labs",
        "body_text": BODY,
        **fields,
    }
    return queue_email(kind=kind, dedupe_key=f"{kind}:1", enqueue=False, **fields)


def sent(settings, **fields) -> bytes:
    """The bytes the mail server receives for one delivered row."""
    row = queued(settings, **fields)
    assert deliver(row.pk) is True
    return mail.outbox[-1].message().as_bytes(linesep="\r\n")


def parse(raw: bytes):
    return BytesParser(policy=policy.default).parsebytes(raw)


def test_every_email_is_text_and_html_in_the_same_words(settings):
    message = parse(sent(settings))

    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = message.iter_parts()
    assert text_part.get_content_type() == "text/plain"
    assert html_part.get_content_type() == "text/html"
    text, html = text_part.get_content(), html_part.get_content()

    reader = _Text()
    reader.feed(html)
    bullets = {"-"}
    assert reader.words == [word for word in text.split() if word not in bullets]
    assert reader.lang == "en"
    assert reader.title == "Your offer from Northwind Labs"
    assert reader.links == ["https://microintern.example/applications/7/"]
    assert "<ul><li>Read the brief</li><li>Accept or decline</li></ul>" in html
    # The employer's words are escaped, never markup.
    assert "&amp; thanks &lt;3" in html


def test_a_template_of_its_own_wins_over_the_text(settings):
    row = queued(settings, body_text="Plain words.", body_html="<p>Rich <b>words</b>.</p>")

    message = build_message(row)

    assert message.alternatives[0].content == "<p>Rich <b>words</b>.</p>"


def test_automatic_mail_headers(settings):
    raw = sent(settings)
    message = parse(raw)

    assert message["Auto-Submitted"] == "auto-generated"
    assert parsedate_to_datetime(message["Date"]).utcoffset() is not None
    assert re.search(rb"^Date: .* \+0000\r$", raw, re.MULTILINE)
    assert re.fullmatch(r"<outbox\.\d+\.\d{14}@microintern\.example>", message["Message-ID"])


def test_a_resent_row_keeps_its_message_id(settings):
    row = queued(settings)

    first, second = build_message(row).message(), build_message(row).message()

    assert first["Message-ID"] == second["Message-ID"]


def test_list_unsubscribe_is_on_one_line_and_passes_the_bulk_sender_audit(settings, student):
    raw = sent(settings, kind="listings.deadline", category=Category.REMINDERS, recipient=student)

    headers = raw.split(b"\r\n\r\n", 1)[0].decode()
    (line,) = [h for h in headers.split("\r\n") if h.startswith("List-Unsubscribe:")]
    value = line.split(": ", 1)[1]
    assert value.startswith("<https://microintern.example/notifications/unsubscribe/")
    assert value.endswith(">")
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in headers.split("\r\n")
    message = parse(raw)
    problems = listunsub.audit(
        message["List-Unsubscribe"], message["List-Unsubscribe-Post"], dkim_signatures=[]
    )
    # Signing is the relay's work (DKIM); every rule the message itself can meet is met.
    assert [problem.code for problem in problems] == ["missing-dkim"]
    assert listunsub.parse_header(value).https


def test_no_header_line_is_folded_or_too_long(settings, student):
    raw = sent(settings, kind="listings.deadline", category=Category.REMINDERS, recipient=student)
    assert b"List-Unsubscribe:" in raw

    header_block = raw.split(b"\r\n\r\n", 1)[0]
    lines = header_block.split(b"\r\n")
    folded = [line for line in lines if line[:1] in (b" ", b"\t")]
    # Only the boundary parameter of Content-Type may continue on a second line.
    assert all(line.strip().startswith(b"boundary=") for line in folded)
    assert max(len(line) for line in lines) <= 998
