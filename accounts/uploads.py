"""Private uploads: résumés are stored under random names and never served by URL."""

from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

MAX_RESUME_BYTES = 5 * 1024 * 1024
# Names in a PDF that make it run code or open other things when viewed.
ACTIVE_CONTENT = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/OpenAction", b"/AA")
# The same names as the PDF reader sees them: PDF lets a name be spelled with #xx escapes
# (/J#61vaScript) or sit in a compressed object stream, where the bytes above never show.
ACTIVE_NAMES = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/OpenAction",
        "/AA",
        "/RichMedia",
        "/SubmitForm",
        "/ImportData",
    }
)


@deconstructible
class PrivateStorage(FileSystemStorage):
    """MEDIA_ROOT on disk with no base URL: files leave only through a permission-checked view."""

    def __init__(self) -> None:
        super().__init__(location=settings.MEDIA_ROOT, base_url=None)

    @property
    def base_location(self):
        return settings.MEDIA_ROOT

    @property
    def location(self):
        return str(settings.MEDIA_ROOT)

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a view.")


private_storage = PrivateStorage()


def resume_path(instance, filename: str) -> str:
    """A random name: the student's file name never reaches the disk."""
    return f"resumes/{uuid.uuid4().hex}.pdf"


def validate_resume(upload) -> None:
    """A résumé must really be a PDF (by content), 5 MB at most, with no active content."""
    size = upload.size or 0
    if size == 0:
        raise ValidationError("The file is empty. Choose your résumé as a PDF.", code="empty")
    if size > MAX_RESUME_BYTES:
        raise ValidationError(
            f"The file is {size / 1024 / 1024:.1f} MB; a résumé can be at most 5 MB. "
            "Export it again with smaller images.",
            code="too_large",
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if not data.startswith(b"%PDF-"):
        raise ValidationError(
            "This file is not a PDF (whatever its name says). Save or export your résumé as PDF.",
            code="not_pdf",
        )
    if any(marker in data for marker in ACTIVE_CONTENT):
        raise ValidationError(
            "This PDF contains scripts or embedded actions, which we do not accept. "
            "Export a plain PDF (for example with “Print to PDF”).",
            code="active_content",
        )
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = len(reader.pages)
        active = _names_active_content(reader)
    # A damaged or hostile file can make the parser fail in many ways (its own errors,
    # limits it enforces, lookups on broken structures): each means "not a usable PDF".
    except Exception as error:
        raise ValidationError(
            "This PDF could not be read; it may be damaged. Export it again and retry.",
            code="unreadable",
        ) from error
    if active:
        raise ValidationError(
            "This PDF contains scripts or embedded actions, which we do not accept. "
            "Export a plain PDF (for example with “Print to PDF”).",
            code="active_content",
        )
    if pages == 0:
        raise ValidationError("This PDF has no pages.", code="no_pages")


def _names_active_content(reader) -> bool:
    """True if any object reachable from the document's trailer uses an active name."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    pending, seen = [reader.trailer], set()
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            if ACTIVE_NAMES.intersection(item.keys()):
                return True
            # dict.values: the raw values, so that indirect ones are visited only once.
            pending.extend(dict.values(item))
        elif isinstance(item, ArrayObject):
            pending.extend(list.__iter__(item))
        elif isinstance(item, NameObject) and item in ACTIVE_NAMES:
            return True
    return False
