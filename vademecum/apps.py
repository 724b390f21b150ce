from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VademecumConfig(AppConfig):
    name = "vademecum"
    verbose_name = _("Vademecum")
    api_router = "vademecum.api.router"
    demo_loaders = [(50, "vademecum.demo.load")]

    def ready(self) -> None:
        from contactpoint import roles

        from . import tasks  # noqa: F401  (registers the rendering job)

        read = ("vademecum.view_template", "vademecum.view_templateversion")
        # The legal office writes the templates: drafts, approval, publication, retirement.
        roles.grant(
            roles.LEGAL,
            *read,
            "vademecum.add_templateversion",
            "vademecum.change_templateversion",
            "vademecum.approve_templateversion",
            "vademecum.publish_templateversion",
            "vademecum.view_agreement",
            "vademecum.change_agreement",
        )
        # Account managers and team leads prepare agreements for their matches.
        for role in (roles.ACCOUNT_MANAGER, roles.TEAM_LEAD):
            roles.grant(
                role,
                *read,
                "vademecum.view_agreement",
                "vademecum.add_agreement",
                "vademecum.change_agreement",
            )
