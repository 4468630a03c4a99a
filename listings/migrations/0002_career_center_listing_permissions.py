from django.db import migrations

GROUP = "Career center"

# Staff read and moderate listings and reports; they also keep the skill and industry
# lists, so those two can be added as well.
PERMISSIONS = {
    "listing": ["view", "change"],
    "listingevent": ["view", "change"],
    "listingreport": ["view", "change"],
    "savedlisting": ["view", "change"],
    "industry": ["view", "change", "add"],
    "skill": ["view", "change", "add"],
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    codenames = [
        f"{action}_{model}" for model, actions in PERMISSIONS.items() for action in actions
    ]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="listings", codename__in=codenames)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="listings", content_type__model__in=list(PERMISSIONS)
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0001_initial"),
        ("accounts", "0002_career_center_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
