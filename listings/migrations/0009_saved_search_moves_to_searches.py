# Saved searches now belong to the searches app. Their table, `listings_savedsearch`, stays
# where it is with its rows, indexes and constraints: only Django's record of which app owns
# the model changes (searches/migrations/0001_initial.py takes it over).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("listings", "0008_bound_text_lengths"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SavedSearch")],
            database_operations=[],
        ),
    ]
