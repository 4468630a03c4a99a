# Saved searches move here from the listings app with their table, `listings_savedsearch`,
# untouched: this migration only records the model (listings 0009 forgot it) and moves its
# content type, so that its permissions and admin history follow it.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if ContentType.objects.using(db).filter(app_label=target, model="savedsearch").exists():
        return
    ContentType.objects.using(db).filter(app_label=source, model="savedsearch").update(
        app_label=target
    )


def forwards(apps, schema_editor):
    move_content_type(apps, schema_editor, source="listings", target="searches")


def backwards(apps, schema_editor):
    move_content_type(apps, schema_editor, source="searches", target="listings")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("listings", "0009_saved_search_moves_to_searches"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SavedSearch",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("query", models.CharField(blank=True, help_text="The browse page's filters as a normalised query string (empty: every project).", max_length=2000)),
                        ("frequency", models.CharField(choices=[("daily", "Daily"), ("weekly", "Weekly")], default="daily", max_length=10)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                        ("last_sent_at", models.DateTimeField(blank=True, editable=False, null=True)),
                        ("last_visit_at", models.DateTimeField(default=django.utils.timezone.now, editable=False, help_text="The student's last visit to their saved searches (or keep-alive link).")),
                        ("paused", models.BooleanField(default=False, help_text="Alerts paused after 90 days without a visit; a visit resumes them.")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="saved_searches", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name_plural": "saved searches",
                        "db_table": "listings_savedsearch",
                        "ordering": ["-created_at", "-pk"],
                        "constraints": [
                            models.UniqueConstraint(fields=("user", "query"), name="one_saved_search_per_query"),
                            models.CheckConstraint(condition=models.Q(("frequency__in", ["daily", "weekly"])), name="saved_search_frequency_valid"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
