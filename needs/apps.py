from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "needs"
    verbose_name = _("Needs catalogue")
    api_router = "needs.api_routes.router"
    # Reference data before the organisations; the needs after them.
    demo_loaders = [(10, "needs.demo.load_reference"), (30, "needs.demo.load_needs")]

    def ready(self) -> None:
        from contactpoint import roles

        reference = [
            f"needs.view_{model}"
            for model in ("department", "municipio", "neighbourhood", "interventionarea")
        ]
        # Departments keep their own needs (the admin and the services limit them to their
        # departments); they never delete one, they close it.
        roles.grant(
            roles.DEPARTMENT, "needs.add_need", "needs.change_need", "needs.view_need", *reference
        )
        thesaurus = [
            f"needs.{action}_{model}"
            for action in ("add", "change", "delete", "view")
            for model in ("thesaurusgroup", "thesaurusterm")
        ]
        roles.grant(roles.ACCOUNT_MANAGER, "needs.view_need", *reference)
        roles.grant(roles.ACCOUNT_MANAGER, "needs.view_thesaurusgroup", "needs.view_thesaurusterm")
        # The team lead keeps the thesaurus the search and the matching engine use.
        roles.grant(roles.TEAM_LEAD, "needs.view_need", *reference, *thesaurus)

        from django.db.models.signals import post_migrate

        post_migrate.connect(seed_thesaurus, sender=self, dispatch_uid="needs.thesaurus")
        follow_public_changes()


PUBLIC_MODELS = (
    "Need",
    "Department",
    "InterventionArea",
    "Municipio",
    "Neighbourhood",
    "ThesaurusGroup",
    "ThesaurusTerm",
)


def follow_public_changes() -> None:
    """The kept public pages (contactpoint.pagecache) show needs, their reference data and
    search through the thesaurus: any save or delete of those rows retires them. (Queryset
    ``update()`` sends no signal: no public data is changed that way.)"""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from . import models

    for name in PUBLIC_MODELS:
        model = getattr(models, name)
        for signal in (post_save, post_delete):
            signal.connect(retire_public_pages, sender=model, dispatch_uid=f"pages.{name}")
    m2m_changed.connect(
        retire_public_pages,
        sender=models.Neighbourhood.municipi.through,
        dispatch_uid="pages.Neighbourhood.municipi",
    )


def retire_public_pages(**kwargs: object) -> None:
    from contactpoint.pagecache import new_catalogue_version

    action = kwargs.get("action")
    if action is not None and not str(action).startswith("post_"):
        return  # m2m_changed: once, after the change
    new_catalogue_version()


def seed_thesaurus(*, using: str = "default", **kwargs: object) -> None:
    """An empty thesaurus (a new database, or one emptied by a flush) gets the default
    file; one that holds any group is the team lead's and is left alone."""
    from django.db import transaction

    from .models import ThesaurusGroup, ThesaurusTerm
    from .thesaurus import load_thesaurus_rows, read_thesaurus

    if not ThesaurusGroup.objects.using(using).exists():
        with transaction.atomic(using=using):
            load_thesaurus_rows(
                read_thesaurus(), group_model=ThesaurusGroup, term_model=ThesaurusTerm
            )
