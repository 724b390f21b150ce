"""One small portal for the access matrix: two organisations, two departments, two managers.

Every object the matrix asks about exists once on each side of a boundary (organisation A
and B, department X and Y, manager 1 and manager 2), with a name found nowhere else, so a
page or a JSON body that names the other side's object is caught by a plain substring test.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from contactpoint import roles
from matching.models import Stage
from monitoring import surveys
from monitoring.models import Collaboration, SurveyCampaign, SurveyInvitation, SurveyQuestion
from needs.models import Need
from stakeholders.models import Consent
from tests.factories import (
    ContactPersonFactory,
    DepartmentFactory,
    MatchFactory,
    NeedFactory,
    OfferFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    UserFactory,
    with_totp,
)
from tests.matching.workflow_support import make_department_user, make_manager, make_team_lead
from vademecum import loading, services
from vademecum.models import TemplateVersion

ROLES = (
    "anonymous",
    "stakeholder A",
    "stakeholder B",
    "department X",
    "department Y",
    "manager 1",
    "manager 2",
    "team lead",
    "cabinet",
    "legal",
    "admin",
)

# The names that must stay on their own side: each appears in exactly one object.
NAMES = {
    "org_a": "Alfa Matrice Spa",
    "org_b": "Beta Matrice Srl",
    "contact_a": "alfa.referente@matrice.example",
    "contact_b": "beta.referente@matrice.example",
    "offer_a": "Offerta Alfa di prova matrice",
    "offer_b": "Offerta Beta di prova matrice",
    "draft_x": "Bozza X riservata matrice",
    "draft_y": "Bozza Y riservata matrice",
    "need_x": "Fabbisogno X pubblicato matrice",
    "need_y": "Fabbisogno Y pubblicato matrice",
}

AGREEMENT_VALUES = {
    "organisation.address": "Via Matrice 1, 20121 Milano",
    "organisation.representative_name": "Anna Alfa",
    "organisation.representative_role": "Amministratrice",
    "agreement.date": datetime.date(2026, 12, 2),
    "agreement.duration": "12 mesi",
    "agreement.value_in_kind_eur": Decimal("1000.00"),
    "agreement.amount_eur": Decimal("0.00"),
    "city.office": "Direzione Educazione",
    "city.signatory": "dott.ssa Laura Bianchi, Direttrice",
    "communication.visibility": "nessuna",
}


@dataclass
class World:
    users: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, Any] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None

    def user(self, role: str) -> Any:
        return self.users[role]


def _side(letter: str, department_letter: str, department: Any) -> dict[str, Any]:
    """Organisation ``letter``'s people and offer, department ``department_letter``'s needs."""
    lower, dep = letter.lower(), department_letter.lower()
    organisation = OrganisationFactory(legal_name=NAMES[f"org_{lower}"])
    contact = ContactPersonFactory(organisation=organisation, email=NAMES[f"contact_{lower}"])
    offer = OfferFactory(organisation=organisation, contact=contact, title=NAMES[f"offer_{lower}"])
    consent = Consent.objects.create(
        contact=contact, purpose=Consent.Purpose.SURVEY, text_version="1"
    )
    published = NeedFactory(department=department, title=NAMES[f"need_{dep}"])
    draft = NeedFactory(
        department=department,
        title=NAMES[f"draft_{dep}"],
        status=Need.Status.DRAFT,
        published_at=None,
    )
    return {
        f"org_{lower}": organisation,
        f"contact_{lower}": contact,
        f"offer_{lower}": offer,
        f"consent_{lower}": consent,
        f"need_{dep}": published,
        f"draft_{dep}": draft,
        f"department_{dep}": department,
    }


def _stakeholder(organisation: Any, email: str) -> Any:
    """A member of ``organisation`` who is also its contact (so their consents are theirs)."""
    user = UserFactory(role=roles.STAKEHOLDER, email=email)
    OrganisationMembershipFactory(organisation=organisation, user=user)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _survey(world: World) -> None:
    today = timezone.localdate()
    campaign = SurveyCampaign.objects.create(
        year=today.year,
        title="Indagine matrice",
        opens_on=today,
        closes_on=today + datetime.timedelta(days=30),
        status=SurveyCampaign.Status.OPEN,
    )
    SurveyQuestion.objects.create(campaign=campaign, text="Come va?", order=1)
    invitation = SurveyInvitation.objects.create(
        campaign=campaign, audience="stakeholders", email=NAMES["contact_a"], sent_at=timezone.now()
    )
    token = surveys.invitation_token(invitation)
    invitation.token_hash = surveys.hash_token(token)
    invitation.save(update_fields=["token_hash"])
    world.objects.update(campaign=campaign, invitation=invitation, survey_token=token)


def build_world() -> World:
    world = World()
    department_x = DepartmentFactory(slug="matrice-x", name="Direzione X matrice")
    department_y = DepartmentFactory(slug="matrice-y", name="Direzione Y matrice")
    world.objects.update(_side("A", "X", department_x))
    world.objects.update(_side("B", "Y", department_y))

    admin = UserFactory(is_superuser=True, is_staff=True)
    users = {
        "anonymous": AnonymousUser(),
        "stakeholder A": _stakeholder(world.org_a, NAMES["contact_a"]),
        "stakeholder B": _stakeholder(world.org_b, NAMES["contact_b"]),
        "department X": make_department_user(department_x),
        "department Y": make_department_user(department_y),
        "manager 1": make_manager(),
        "manager 2": make_manager(),
        "team lead": make_team_lead(),
        "cabinet": UserFactory(role=roles.CABINET),
        "legal": UserFactory(role=roles.LEGAL),
        "admin": admin,
    }
    for user in users.values():
        if roles.is_city_staff(user):
            with_totp(user)
    world.users = users

    match_1 = MatchFactory(
        offer=world.offer_a,
        need=world.need_x,
        manager=users["manager 1"],
        stage=Stage.NEGOTIATING,
        quantity=1,
    )
    match_2 = MatchFactory(
        offer=world.offer_b, need=world.need_y, manager=users["manager 2"], stage=Stage.ASSIGNED
    )
    loading.load_vademecum()
    version = TemplateVersion.objects.published().select_related("template").first()
    agreement = services.create_agreement(
        match=match_1,
        version=version,
        entered=AGREEMENT_VALUES,
        language="it",
        actor=users["manager 1"],
        render_now=True,
    )
    started = timezone.now() - datetime.timedelta(days=30)
    impact = Collaboration.objects.create(match=match_1, started_at=started)
    impact.departments.set([department_x])
    world.objects.update(
        match_1=match_1,
        match_2=match_2,
        agreement=agreement,
        version=version,
        template=version.template,
        impact=impact,
        statement_year=timezone.localdate(started).year,
    )
    _survey(world)
    return world
