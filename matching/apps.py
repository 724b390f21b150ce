from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")
    api_router = "matching.api_routes.router"
    # Last: routes matches for the demo offers loaded before.
    demo_loaders = [(90, "matching.demo.load")]

    def ready(self) -> None:
        # Its part of a person's data export (contactpoint.privacy).
        from .privacy import install as install_privacy

        install_privacy()

        # These modules import models, which load once the app registry is ready: here.
        from contactpoint import roles

        # The jobs of the match workflow live next to the notifications they send.
        from . import notifications  # noqa: F401

        # Matches follow their offer and need: subscribe to the lower apps' signals.
        from .closure import install

        install()

        # Account managers work their queue and read colleagues' matches and profiles.
        roles.grant(
            roles.ACCOUNT_MANAGER,
            "matching.view_match",
            "matching.change_match",
            "matching.view_accountmanagerprofile",
            "matching.view_absence",
            "matching.view_holiday",
            "matching.view_notification",
            "matching.view_outreachsuggestion",
            "matching.view_intakeitem",
            "matching.change_intakeitem",
        )
        # Team leads also reassign, set capacities, areas, availability and absences.
        roles.grant(
            roles.TEAM_LEAD,
            "matching.view_match",
            "matching.change_match",
            "matching.view_accountmanagerprofile",
            "matching.add_accountmanagerprofile",
            "matching.change_accountmanagerprofile",
            "matching.view_absence",
            "matching.add_absence",
            "matching.change_absence",
            "matching.delete_absence",
            "matching.view_holiday",
            "matching.add_holiday",
            "matching.change_holiday",
            "matching.delete_holiday",
            "matching.view_notification",
            "matching.view_outreachsuggestion",
            "matching.view_intakeitem",
            "matching.change_intakeitem",
        )
        # Departments read the matches on their own needs (scoped in the admin queryset).
        roles.grant(roles.DEPARTMENT, "matching.view_match")
        # The Mayor's Cabinet sees aggregates on the dashboard, never matches.
