"""Demo data: Milan's reference data and needs from the plan, loadable twice."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from contactpoint import roles
from contactpoint.demo import DEMO_USERS, load_users
from contactpoint.management.commands.seed_demo import demo_loaders
from matching.models import Match
from needs import demo
from needs.models import Department, Need, Neighbourhood
from stakeholders.models import Interaction, Offer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def role_groups(db):
    # A transactional test elsewhere may have flushed the groups the migration made.
    for name in roles.ALL_ROLES:
        Group.objects.get_or_create(name=name)


def test_demo_loaders_are_registered_in_dependency_order():
    loaders = demo_loaders()
    order = [
        "contactpoint.demo.load_users",
        "needs.demo.load_reference",
        "stakeholders.demo.load",
        "needs.demo.load_needs",
        "stakeholders.demo_offers.load",
        "vademecum.demo.load",
        "matching.demo.load",
    ]
    assert [loaders.index(dotted) for dotted in order] == sorted(
        loaders.index(dotted) for dotted in order
    )


def test_demo_needs_come_from_the_plan_and_load_idempotently():
    load_users()
    demo.load_reference()
    demo.load_needs()
    demo.load_needs()

    assert Neighbourhood.objects.count() == 88
    assert Need.objects.count() == len(demo.DEMO_NEEDS) >= 12
    pcs = Need.objects.get(title__startswith="40 PC")
    assert pcs.department.slug == "educazione"
    assert pcs.area.slug == "poverta-digitale"
    assert pcs.status == Need.Status.PARTIALLY_COVERED
    assert pcs.quantity_open < pcs.quantity
    mural = Need.objects.get(title__contains="Sottocorno")
    assert mural.neighbourhood.official_name == "ROGOREDO - SANTA GIULIA"
    assert mural.area.slug == "scuole-svantaggiate"
    assert "Play Streets" in mural.description
    sky = Need.objects.get(title__contains="cielo itinerante")
    assert (sky.area.slug, sky.quantity) == ("stem", 6)
    assert Need.objects.filter(status=Need.Status.DRAFT).count() == 1
    assert Need.objects.published().stale().count() == 1
    assert all(n.wanted_by > timezone.localdate() for n in Need.objects.all())
    assert Need.objects.values("area").distinct().count() == 7


def test_demo_education_user_is_a_member_of_education():
    load_users()
    demo.load_reference()
    demo.load_needs()

    user = get_user_model().objects.get(username="education@example.org")
    assert Department.objects.get(slug="educazione") in user.departments.all()
    assert Need.objects.editable_by(user).filter(title__startswith="40 PC").exists()


def test_every_department_has_a_demo_member_who_can_post_its_needs():
    load_users()
    demo.load_reference()
    demo.load_needs()

    for department in Department.objects.all():
        members = department.members.filter(groups__name=roles.DEPARTMENT)
        assert members.exists(), f"{department.name} has no member"
    social = get_user_model().objects.get(username="social@example.org")
    assert Need.objects.editable_by(social).filter(department__slug="politiche-sociali").exists()


def test_no_demo_date_is_in_the_past(settings):
    """Dates are counted from the day the demo is loaded, so it never expires."""
    out = StringIO()
    call_command("seed_demo", stdout=out)
    today = timezone.localdate()

    assert not Need.objects.filter(wanted_by__lt=today).exists()
    assert not Offer.objects.filter(available_until__lt=today).exists()
    assert not Match.objects.filter(first_contact_due__lt=today).exists()
    # The recent contact stays recent; the plan's history keeps its real dates.
    recent = Interaction.objects.get(subject="Disponibilità di portatili dismessi")
    assert today - timedelta(days=90) < recent.date <= today
    assert Interaction.objects.filter(date__year=2021).exists()
    # Every demo login is printed.
    for user in DEMO_USERS:
        assert user.email in out.getvalue()
