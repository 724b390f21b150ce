from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")
    api_router = "monitoring.api_routes.router"
    # After the matching demo: the pilot collaborations use its organisations, needs and offers.
    demo_loaders = [(95, "monitoring.demo.load")]

    def ready(self) -> None:
        # Its part of a person's data export (contactpoint.privacy).
        from .privacy import install as install_privacy

        install_privacy()

        from django.db.models.signals import post_migrate

        from contactpoint import roles
        from matching import signals
        from matching.models import Match

        from . import services, tasks  # noqa: F401

        # The plan's indicators are reference data: present after every migrate and flush
        # (missing ones are added, edited ones are left alone).
        post_migrate.connect(ensure_indicators, sender=self, dispatch_uid="monitoring.indicators")

        # Completion needs an evaluation; "in delivery" opens the impact record.
        signals.before_transition.connect(
            services.on_before_transition, sender=Match, dispatch_uid="monitoring.completion"
        )
        signals.stage_changed.connect(
            services.on_stage_changed, sender=Match, dispatch_uid="monitoring.collaboration"
        )

        read = [
            f"monitoring.view_{model}"
            for model in (
                "indicator",
                "collaboration",
                "impactoutput",
                "impactoutcome",
                "evidence",
                "trainingsession",
                "trainingattendance",
            )
        ]
        # The cabinet reads the dashboard and its exports (aggregates, checked in the views).
        roles.grant(roles.CABINET, "monitoring.view_indicator")
        # Account managers edit the impact records of their matches (scoped in the admin).
        edit = [
            "monitoring.change_collaboration",
            *(
                f"monitoring.{verb}_{model}"
                for model in ("impactoutput", "impactoutcome", "evidence")
                for verb in ("add", "change", "delete")
            ),
        ]
        roles.grant(roles.ACCOUNT_MANAGER, *read, *edit)
        roles.grant(roles.TEAM_LEAD, *read, *edit, "monitoring.change_indicator")
        roles.grant(
            roles.TEAM_LEAD,
            *(
                f"monitoring.{verb}_{model}"
                for model in ("trainingsession", "trainingattendance")
                for verb in ("add", "change", "delete")
            ),
        )
        roles.grant(roles.LEGAL, *read)
        # The legal office manages the annual survey campaigns and reads the answers.
        roles.grant(
            roles.LEGAL,
            *(
                f"monitoring.{verb}_{model}"
                for model in ("surveycampaign", "surveyquestion")
                for verb in ("view", "add", "change", "delete")
            ),
            "monitoring.view_surveyinvitation",
            "monitoring.view_surveyanswer",
        )
        roles.grant(roles.DEPARTMENT, "monitoring.view_indicator")


def ensure_indicators(*, apps=None, **kwargs) -> None:
    from .indicators import load
    from .models import Indicator

    load(Indicator)
