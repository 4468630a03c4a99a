"""CSV exports: stable columns, row counts, the email choice logged, the background task."""

import csv
import io

import pytest
from django.urls import reverse

from notifications.models import Notification
from reports import exports
from reports.models import Export
from reports.queries import Period
from reports.tasks import build_export
from tests.factories import StaffFactory
from tests.reports.conftest import NOW

pytestmark = pytest.mark.django_db

CREATE = "/staff/reports/exports/new/"

LISTING_COLUMNS = [
    "listing_id",
    "title",
    "organization",
    "organization_id",
    "industry",
    "status",
    "location_type",
    "country",
    "estimated_hours",
    "fee",
    "currency",
    "hourly_rate",
    "openings",
    "application_deadline",
    "due_date",
    "created_at",
    "submitted_at",
    "published_at",
    "closed_at",
    "applications",
]
APPLICATION_COLUMNS = [
    "application_id",
    "submitted_at",
    "status",
    "listing_id",
    "listing_title",
    "organization",
    "industry",
    "student_id",
    "student_name",
    "viewed_at",
    "decided_at",
    "offered_at",
    "accepted_at",
    "work_submitted_at",
    "completed_at",
    "fee",
    "currency",
]
FEEDBACK_COLUMNS = [
    "feedback_id",
    "given_at",
    "author_role",
    "rating",
    "comment",
    "public",
    "application_id",
    "listing_id",
    "listing_title",
    "organization",
    "industry",
    "student_id",
    "student_name",
    "completed_at",
]


def last_30_days() -> dict:
    return {"period": "30"}


def export(client, kind: str, **extra):
    return client.post(CREATE, {"kind": kind, **last_30_days(), **extra})


def read_csv(response) -> list[dict]:
    if hasattr(response, "streaming_content"):
        body = b"".join(response.streaming_content).decode()
    else:
        body = b"".join(response).decode()
    return list(csv.DictReader(io.StringIO(body)))


def header_of(response) -> list[str]:
    body = b"".join(response.streaming_content).decode()
    return next(csv.reader(io.StringIO(body)))


# --- Columns: a contract -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, expected",
    [
        ("listings", LISTING_COLUMNS),
        ("applications", APPLICATION_COLUMNS),
        ("feedback", FEEDBACK_COLUMNS),
    ],
)
def test_column_names_are_stable(login, staff, program, kind, expected):
    response = export(login(staff), kind)
    assert response.status_code == 200
    assert header_of(response) == expected


def test_the_page_documents_every_column(login, staff, program):
    content = login(staff).get("/staff/reports/").content.decode()
    for name in {*LISTING_COLUMNS, *APPLICATION_COLUMNS, *FEEDBACK_COLUMNS, "student_email"}:
        assert f"<code>{name}</code>" in content


# --- Rows -------------------------------------------------------------------------------------------


def test_listings_export_covers_listings_submitted_or_published_in_the_period(
    login, staff, program
):
    rows = read_csv(export(login(staff), "listings"))
    expected = {program.listings[k].pk for k in ("L1", "L2", "L3", "L4", "L6", "L7", "L9")}
    assert {int(row["listing_id"]) for row in rows} == expected
    first = next(row for row in rows if int(row["listing_id"]) == program.listings["L1"].pk)
    assert first["title"] == "Clean our donor data"
    assert first["organization"] == "Acme"
    assert first["industry"] == "Software"
    assert (first["fee"], first["currency"], first["hourly_rate"]) == ("600.00", "USD", "30.00")
    assert first["published_at"] == "2026-03-10T14:00:00+00:00"
    assert first["applications"] == "2"


def test_applications_export_has_one_row_per_application_of_the_period(login, staff, program):
    response = export(login(staff), "applications")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="microintern-applications-2026-02-19-to-2026-03-20.csv"'
    )
    rows = read_csv(response)
    expected = {program.applications[k].pk for k in ("A1", "A2", "A3", "A4", "A5", "A6", "A9")}
    assert {int(row["application_id"]) for row in rows} == expected
    a1 = next(row for row in rows if int(row["application_id"]) == program.applications["A1"].pk)
    student = program.students["S1"]
    assert a1["status"] == "completed"
    assert a1["student_name"] == f"{student.first_name} {student.last_name}"
    assert a1["completed_at"] == "2026-03-18T00:00:00+00:00"


def test_feedback_export_covers_feedback_given_in_the_period(login, staff, program):
    rows = read_csv(export(login(staff), "feedback"))
    assert len(rows) == 5  # A1 both sides, A4 employer, A8 both sides; A7's is older
    assert sorted(row["rating"] for row in rows) == ["2", "3", "4", "4", "5"]


def test_exports_follow_the_industry_filter(login, staff, program):
    rows = read_csv(export(login(staff), "applications", industry="software"))
    assert {row["industry"] for row in rows} == {"Software"}
    assert len(rows) == 4


def test_exports_follow_custom_dates(login, staff, program):
    response = export(
        login(staff),
        "applications",
        period="custom",
        date_from="2026-03-09",
        date_to="2026-03-15",
    )
    assert len(read_csv(response)) == 2


def test_text_that_would_run_as_a_spreadsheet_formula_is_neutralised(login, staff, program):
    rows = read_csv(export(login(staff), "listings"))
    titles = {row["title"] for row in rows}
    assert "'=HYPERLINK(evil)" in titles
    assert "=HYPERLINK(evil)" not in titles


def test_exports_never_hold_resumes_or_pitches(login, staff, program):
    client = login(staff)
    for kind in ("listings", "applications", "feedback"):
        body = b"".join(export(client, kind, include_emails="on").streaming_content).decode()
        assert "%PDF" not in body
        assert "resume" not in body.lower()
        assert "I have done two similar projects" not in body


# --- Student emails ----------------------------------------------------------------------------------


def test_student_emails_are_absent_unless_asked_for(login, staff, program):
    response = export(login(staff), "applications")
    body = b"".join(response.streaming_content).decode()
    assert "student_email" not in body
    assert "@students.test" not in body
    logged = Export.objects.get()
    assert logged.include_emails is False


def test_ticking_the_box_adds_the_emails_and_is_logged(login, staff, program):
    rows = read_csv(export(login(staff), "applications", include_emails="on"))
    assert list(rows[0])[-1] == "student_email"
    assert {row["student_email"] for row in rows} == {
        "s1@students.test",
        "s2@students.test",
        "s3@students.test",
        "s4@students.test",
    }
    logged = Export.objects.get()
    assert (logged.requested_by, logged.include_emails) == (staff, True)
    assert logged.kind == Export.Kind.APPLICATIONS


def test_feedback_with_emails_puts_them_last(login, staff, program):
    response = export(login(staff), "feedback", include_emails="on")
    assert header_of(response) == [*FEEDBACK_COLUMNS, "student_email"]


def test_listings_have_no_student_emails_so_the_flag_is_not_recorded(login, staff, program):
    response = export(login(staff), "listings", include_emails="on")
    assert "student_email" not in header_of(response)
    assert Export.objects.get().include_emails is False


# --- The log -------------------------------------------------------------------------------------------


def test_every_small_export_is_logged_with_its_filters(login, staff, program):
    export(login(staff), "applications", industry="software")
    logged = Export.objects.get()
    assert logged.delivery == Export.Delivery.DIRECT
    assert logged.status == Export.Status.DONE
    assert (logged.rows_total, logged.rows_done) == (4, 4)
    assert logged.filters == {
        "period": "30",
        "date_from": "2026-02-19",
        "date_to": "2026-03-20",
        "industry": "software",
        "industry_name": "Software",
    }
    assert logged.created_at == NOW


def test_an_export_without_a_kind_is_refused_with_a_message(login, staff, program):
    client = login(staff)
    response = client.post(CREATE, last_30_days(), follow=True)
    assert response.redirect_chain[-1][0] == "/staff/reports/"
    assert "The export could not start" in response.content.decode()
    assert not Export.objects.exists()


def test_exports_are_post_only(login, staff, program):
    assert login(staff).get(CREATE).status_code == 405


def test_the_staff_site_lists_the_exports_read_only(login, staff, program):
    export(login(staff), "applications", include_emails="on")
    client = login(staff)
    response = client.get("/staff/reports/export/")
    assert response.status_code == 200
    assert "staff@test.example" in response.content.decode()
    assert client.get("/staff/reports/export/add/").status_code == 403


# --- Large exports in the background -----------------------------------------------------------------


@pytest.fixture
def small_limit(settings):
    """Exports of more than three rows go to the background."""
    settings.REPORTS_EXPORT_INLINE_MAX_ROWS = 3


def test_the_threshold_is_a_setting_of_5000_rows(settings):
    assert settings.REPORTS_EXPORT_INLINE_MAX_ROWS == 5000


def test_a_large_export_runs_in_the_background_and_shows_its_progress(
    login, staff, program, small_limit, django_capture_on_commit_callbacks
):
    client = login(staff)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = export(client, "applications")
    logged = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:export_detail", args=[logged.pk])
    assert logged.delivery == Export.Delivery.BACKGROUND
    assert (logged.status, logged.rows_total, logged.rows_done) == ("pending", 7, 0)
    assert len(callbacks) == 1  # the task is queued only after commit

    page = client.get(response["Location"]).content.decode()
    assert "Waiting to start" in page
    assert 'data-hx-trigger="every 2s"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert "vendor/htmx/htmx-2.0.11.min.js" in page

    callbacks[0]()  # the worker (Celery runs tasks inline in tests)
    logged.refresh_from_db()
    assert (logged.status, logged.rows_total, logged.rows_done) == ("done", 7, 7)
    page = client.get(response["Location"]).content.decode()
    assert "hx-trigger" not in page
    assert "http-equiv" not in page
    download = reverse("reports:export_download", args=[logged.pk])
    assert f'href="{download}"' in page

    file = client.get(download)
    assert file.status_code == 200
    assert (
        file["Content-Disposition"]
        == 'attachment; filename="microintern-applications-2026-02-19-to-2026-03-20.csv"'
    )
    rows = read_csv(file)
    assert len(rows) == 7
    assert list(rows[0]) == APPLICATION_COLUMNS


def test_a_finished_export_is_sent_as_a_notification(staff, program, small_limit):
    period = Period.last_days(30)
    logged = Export.request(kind="feedback", period=period, include_emails=True, by=staff)
    build_export(logged.pk)
    notification = Notification.objects.get(kind="reports.export_ready")
    assert notification.recipient == staff
    assert notification.subject == "Your feedback export is ready"
    assert f"/staff/reports/exports/{logged.pk}/" in notification.body_text
    assert "students' email addresses" in notification.body_text
    assert notification.link == logged.get_absolute_url()


def test_the_task_writes_in_batches_and_records_progress(staff, program, small_limit, monkeypatch):
    monkeypatch.setattr(exports, "BATCH_SIZE", 2)
    logged = Export.request(
        kind="applications", period=Period.last_days(30), include_emails=False, by=staff
    )
    seen = []
    record = Export.record_progress

    def spy(self, rows_done):
        record(self, rows_done)
        seen.append(Export.objects.values_list("status", "rows_done", "rows_total").get())

    monkeypatch.setattr(Export, "record_progress", spy)
    assert build_export(logged.pk) is True
    assert seen == [("running", 2, 7), ("running", 4, 7), ("running", 6, 7)]
    logged.refresh_from_db()
    assert (logged.status, logged.rows_done) == ("done", 7)
    assert logged.started_at == NOW and logged.finished_at == NOW
    assert logged.file.name.startswith("exports/") and logged.file.name.endswith(".csv")
    assert "student_email" not in logged.file.read().decode()


def test_a_second_delivery_of_the_task_does_nothing(staff, program, small_limit):
    logged = Export.request(
        kind="listings", period=Period.last_days(30), include_emails=False, by=staff
    )
    assert build_export(logged.pk) is True
    assert build_export(logged.pk) is False
    assert Notification.objects.filter(kind="reports.export_ready").count() == 1


def test_a_failing_export_is_marked_failed(staff, program, small_limit, monkeypatch):
    logged = Export.request(
        kind="applications", period=Period.last_days(30), include_emails=False, by=staff
    )

    def broken(*args, **kwargs):
        yield ["one row"]
        raise OSError("disk full")

    monkeypatch.setattr(exports, "rows", broken)
    with pytest.raises(OSError):
        build_export(logged.pk)
    logged.refresh_from_db()
    assert logged.status == "failed"
    assert "OSError" in logged.error
    assert not Notification.objects.filter(kind="reports.export_ready").exists()


def test_an_unreachable_broker_fails_the_export_visibly(staff, program, small_limit, monkeypatch):
    logged = Export.request(
        kind="applications", period=Period.last_days(30), include_emails=False, by=staff
    )

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(build_export, "delay", down)
    logged.enqueue()
    logged.refresh_from_db()
    assert logged.status == "failed"
    assert "Start the export again" in logged.error


def test_htmx_polls_get_the_progress_fragment_only(login, staff, program, small_limit):
    logged = Export.request(
        kind="applications", period=Period.last_days(30), include_emails=False, by=staff
    )
    Export.objects.filter(pk=logged.pk).update(status="running", rows_done=3)
    response = login(staff).get(logged.get_absolute_url(), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "<html" not in content
    assert 'id="export-progress"' in content
    assert 'data-hx-select-oob="#export-meter,#export-actions"' in content
    assert "3 of 7 rows written (42%)" in content
    assert '<progress max="100" value="42"' in content


def test_a_direct_export_page_says_nothing_is_kept(login, staff, program):
    export(login(staff), "listings")
    logged = Export.objects.get()
    content = login(staff).get(logged.get_absolute_url()).content.decode()
    assert "no copy is kept" in content
    assert "download/" not in content


# --- Who may follow and download an export -----------------------------------------------------------


@pytest.fixture
def finished(staff, program, small_limit):
    logged = Export.request(
        kind="applications", period=Period.last_days(30), include_emails=True, by=staff
    )
    build_export(logged.pk)
    return logged


def test_another_staff_member_cannot_open_or_download_someone_elses_export(login, finished):
    client = login(StaffFactory(email="colleague@test.example"))
    assert client.get(finished.get_absolute_url()).status_code == 404
    assert client.get(reverse("reports:export_download", args=[finished.pk])).status_code == 404


def test_a_superuser_may(login, finished):
    from tests.factories import UserFactory

    client = login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("reports:export_download", args=[finished.pk])).status_code == 200


@pytest.mark.parametrize("role", ["student", "employer"])
def test_students_and_employers_are_refused_everywhere(request, login, finished, role):
    client = login(request.getfixturevalue(role))
    for url in (
        finished.get_absolute_url(),
        reverse("reports:export_download", args=[finished.pk]),
    ):
        assert client.get(url, follow=True).status_code == 403
    response = client.post(CREATE, {"kind": "applications", "period": "30"}, follow=True)
    assert response.status_code == 403
    assert Export.objects.count() == 1


def test_visitors_are_sent_to_sign_in_everywhere(client, finished):
    for url in (
        finished.get_absolute_url(),
        reverse("reports:export_download", args=[finished.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/login/")
    assert client.post(CREATE, {"kind": "applications"}).status_code == 302


def test_the_career_center_group_grants_exporting(staff):
    assert staff.has_perm("reports.add_export") and staff.has_perm("reports.view_export")
    assert not staff.has_perm("reports.change_export")
    assert not staff.has_perm("reports.delete_export")


def test_staff_whose_group_lost_the_export_permission_cannot_start_one(login, program):
    user = StaffFactory(email="reader@test.example")
    group = user.groups.get()
    group.permissions.remove(*group.permissions.filter(codename="add_export"))
    response = login(user).post(CREATE, {"kind": "applications", "period": "30"})
    assert response.status_code == 403
