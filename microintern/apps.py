from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """The default admin site is the career-center staff site, mounted at /staff/."""

    default_site = "accounts.sites.StaffAdminSite"
