"""Demo track records for `seed_demo`: computed from the demo applications, as the task does."""

from __future__ import annotations

from reports.track_record import refresh_track_records


def seed_demo(demo) -> str:
    """The reports part of `manage.py seed_demo`: every organization's track record (idempotent)."""
    return f"{refresh_track_records()} organization track records computed"
