from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ContactPointConfig(AppConfig):
    name = "contactpoint"
    verbose_name = _("Contact point")

    def ready(self) -> None:
        from . import input_guard, roles

        input_guard.guard_admin_autocomplete()
        post_migrate.connect(roles.sync_role_permissions, dispatch_uid="contactpoint.roles")
