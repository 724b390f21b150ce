from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StakeholdersConfig(AppConfig):
    name = "stakeholders"
    verbose_name = _("Stakeholders")
    api_router = "stakeholders.api_routes.router"
    # Offers go through the real intake service; they need the organisations and needs.
    demo_loaders = [(20, "stakeholders.demo.load"), (40, "stakeholders.demo_offers.load")]

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from contactpoint import roles

        # The seeded consent texts are reference data: present after every migrate and flush.
        post_migrate.connect(
            ensure_consent_texts, sender=self, dispatch_uid="stakeholders.consent_texts"
        )

        # Account managers and team leads keep the registry: they see and edit every
        # organisation, its people and history, and work the offers. Consents are evidence:
        # they can only be withdrawn (the admin's single "change"), never edited or added.
        # Cabinet and departments get nothing here (aggregates come from monitoring).
        registry_staff = (
            "stakeholders.view_organisation",
            "stakeholders.add_organisation",
            "stakeholders.change_organisation",
            "stakeholders.view_contactperson",
            "stakeholders.add_contactperson",
            "stakeholders.change_contactperson",
            "stakeholders.delete_contactperson",
            "stakeholders.view_interaction",
            "stakeholders.add_interaction",
            "stakeholders.change_interaction",
            "stakeholders.view_consent",
            "stakeholders.change_consent",
            "stakeholders.view_organisationmembership",
            "stakeholders.view_duplicateflag",
            "stakeholders.change_duplicateflag",
            "stakeholders.view_offer",
            "stakeholders.change_offer",
        )
        roles.grant(roles.ACCOUNT_MANAGER, *registry_staff)
        roles.grant(
            roles.TEAM_LEAD,
            *registry_staff,
            "stakeholders.delete_interaction",
            "stakeholders.delete_duplicateflag",
            # Linking a user account to an organisation opens its data to that user.
            "stakeholders.add_organisationmembership",
            "stakeholders.delete_organisationmembership",
        )

        # The offer intake's hooks: attach offers on e-mail verification, erasure requests.
        from .intake_hooks import install

        install()


def ensure_consent_texts(*, apps=None, **kwargs) -> None:
    from .consent_seed import ensure_consent_texts as ensure
    from .models import ConsentText

    ensure(ConsentText)
