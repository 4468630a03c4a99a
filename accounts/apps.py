from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and organizations"
    career_center_permissions = {
        "user": ["view", "change", "add"],
        "organization": ["view", "change"],
        # Memberships are decided by organizations' owners; staff read them and their history.
        "membership": ["view"],
        "membershipevent": ["view"],
        "studentprofile": ["view"],
        "organizationevent": ["view"],
    }

    def ready(self) -> None:
        from accounts.roles import sync_career_center_group

        # Framework setup, not workflow: keep the group's permissions in step after migrate.
        post_migrate.connect(
            sync_career_center_group, sender=self, dispatch_uid="sync_career_center_group"
        )
