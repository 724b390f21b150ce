from django.apps import AppConfig
from django.conf import settings
from django.core.signals import request_started
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _fresh_content_types(**_kwargs) -> None:
    # Transactional tests empty and refill the database between tests, so content types
    # come back with new ids; a web server serving several tests must not cache old ones.
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


class ContactPointConfig(AppConfig):
    name = "contactpoint"
    verbose_name = _("Contact point")
    # seed_demo runs every app's loaders by stage (stable within a stage); each is idempotent.
    demo_loaders = [(0, "contactpoint.demo.load_users")]

    def ready(self) -> None:
        from . import api_input, clean_text, date_bounds, input_guard, roles

        input_guard.guard_admin_autocomplete()
        api_input.refuse_numbers_for_text()
        clean_text.guard_user_names()
        date_bounds.guard_date_times()
        # Team leads read the audit trail (read-only for everyone: see admin.AuditEntryAdmin).
        roles.grant(roles.TEAM_LEAD, "contactpoint.view_auditentry")
        post_migrate.connect(roles.sync_role_permissions, dispatch_uid="contactpoint.roles")
        if settings.ENVIRONMENT == "test":
            request_started.connect(_fresh_content_types, dispatch_uid="contactpoint.test_ct")
