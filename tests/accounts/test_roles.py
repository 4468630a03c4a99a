from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.roles import sync_career_center_group


def group_codenames():
    group = Group.objects.get(name=settings.CAREER_CENTER_GROUP)
    return set(group.permissions.values_list("content_type__app_label", "codename"))


def test_group_holds_what_each_app_declares(db):
    codenames = group_codenames()
    assert ("listings", "change_listing") in codenames
    assert ("notifications", "retry_notification") in codenames
    assert ("accounts", "view_organization") in codenames
    # Nothing staff should not do: deleting people or organizations.
    assert ("accounts", "delete_user") not in codenames
    assert ("accounts", "delete_organization") not in codenames


def test_sync_restores_a_deleted_group_and_drops_extra_permissions(db):
    Group.objects.filter(name=settings.CAREER_CENTER_GROUP).delete()
    sync_career_center_group()
    restored = group_codenames()
    assert ("listings", "view_listing") in restored
    group = Group.objects.get(name=settings.CAREER_CENTER_GROUP)
    from django.contrib.auth.models import Permission

    group.permissions.add(Permission.objects.get(codename="delete_user"))
    sync_career_center_group()
    assert group_codenames() == restored


def test_migrate_keeps_the_group_in_step(db):
    Group.objects.filter(name=settings.CAREER_CENTER_GROUP).delete()
    call_command("migrate", verbosity=0)
    assert ("listings", "change_listingreport") in group_codenames()
