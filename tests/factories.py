"""factory-boy factories shared by every test module."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from contactpoint import roles
from matching.models import AccountManagerProfile, Match
from needs import language
from needs.models import Department, InterventionArea, Municipio, Need, Neighbourhood, ResourceKind
from stakeholders.models import ContactPerson, Offer, Organisation, OrganisationMembership

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """The one way tests build a user.

    ``role``: a role group (city staff roles also get ``is_staff``, unless
    ``role__admin=False``); ``superuser=True``; ``departments=[...]``: member of these;
    ``verified=True|False``: a primary e-mail address record, verified or not;
    ``totp=True``: a TOTP device (its secret kept on ``user.totp_secret``), which the MFA
    middleware asks of city staff.
    """

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    class Params:
        superuser = factory.Trait(is_superuser=True, is_staff=True)

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    username = factory.LazyAttribute(lambda o: o.email)
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
            if extracted in roles.STAFF_ROLES and kwargs.get("admin", True):
                self.is_staff = True
        if create:
            self.save()

    @factory.post_generation
    def departments(self, create, extracted, **kwargs):
        for department in (extracted or ()) if create else ():
            department.members.add(self)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create and extracted is not None:
            EmailAddress.objects.update_or_create(
                user=self, email=self.email, defaults={"verified": extracted, "primary": True}
            )

    @factory.post_generation
    def totp(self, create, extracted, **kwargs):
        if create and extracted:
            self.totp_secret = generate_totp_secret()
            TOTP.activate(self, self.totp_secret)


def with_totp(user):
    """City staff need a second factor before the MFA middleware lets them in."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    return user


class MunicipioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipio
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: (n % 9) + 1)
    name = factory.LazyAttribute(lambda o: f"Municipio {o.number}")


class NeighbourhoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Neighbourhood
        django_get_or_create = ("nil_id",)
        skip_postgeneration_save = True

    nil_id = factory.Sequence(lambda n: 1000 + n)
    official_name = factory.Sequence(lambda n: f"QUARTIERE {n}")
    name = factory.LazyAttribute(lambda o: o.official_name.title())
    municipio = factory.SubFactory(MunicipioFactory)
    lat = "45.46000"
    lon = "9.19000"

    @factory.post_generation
    def link_municipio(self, create, extracted, **kwargs):
        if create:
            self.municipi.add(self.municipio)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"department-{n}")
    name = factory.Sequence(lambda n: f"Direzione {n}")
    name_en = factory.Sequence(lambda n: f"Department {n}")


class InterventionAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InterventionArea
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"area-{n}")
    name = factory.Sequence(lambda n: f"Area {n}")


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    title = factory.Sequence(lambda n: f"Fabbisogno {n}")
    description = "Descrizione del fabbisogno."
    department = factory.SubFactory(DepartmentFactory)
    area = factory.SubFactory(InterventionAreaFactory)
    resource_kind = ResourceKind.GOODS
    quantity = 10
    quantity_open = factory.LazyAttribute(lambda o: o.quantity)
    unit = "pezzi"
    beneficiaries = "Alunni"
    neighbourhood = factory.SubFactory(NeighbourhoodFactory)
    status = Need.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    last_reviewed_at = factory.LazyFunction(timezone.now)
    # What the needs services write beside the text (needs.language).
    title_lemmas = factory.LazyAttribute(lambda o: language.lemma_text(o.title))
    text_lemmas = factory.LazyAttribute(
        lambda o: language.lemma_text(o.beneficiaries, getattr(o, "school", ""), o.description)
    )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.COMPANY
    legal_name = factory.Sequence(lambda n: f"Impresa Esempio {n} S.p.A.")


class ContactPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPerson

    organisation = factory.SubFactory(OrganisationFactory)
    first_name = "Anna"
    last_name = factory.Sequence(lambda n: f"Verdi{n}")
    email = factory.Sequence(lambda n: f"contact{n}@impresa.example")
    is_primary = True


class OrganisationMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationMembership

    user = factory.SubFactory(UserFactory, role=roles.STAKEHOLDER)
    organisation = factory.SubFactory(OrganisationFactory)


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    organisation = factory.SubFactory(OrganisationFactory)
    contact = factory.SubFactory(
        ContactPersonFactory, organisation=factory.SelfAttribute("..organisation")
    )
    resource_kind = ResourceKind.GOODS
    title = factory.Sequence(lambda n: f"Offerta {n}")
    description = "Descrizione dell'offerta."
    quantity = 10
    quantity_open = factory.LazyAttribute(lambda o: o.quantity)
    unit = "pezzi"
    submitted_email = factory.LazyAttribute(lambda o: o.contact.email if o.contact else "x@y.it")
    title_lemmas = factory.LazyAttribute(lambda o: language.lemma_text(o.title))
    text_lemmas = factory.LazyAttribute(lambda o: language.lemma_text(o.description))


class AccountManagerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountManagerProfile

    user = factory.SubFactory(UserFactory, role=roles.ACCOUNT_MANAGER)


class MatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Match

    offer = factory.SubFactory(OfferFactory)
    need = factory.SubFactory(NeedFactory)
    score = 0.5
    quantity = 1


def valid_vat_number(n: int) -> str:
    """A fictional partita IVA with a valid checksum (also a legal person's codice fiscale)."""
    from stdnum import luhn

    base = f"{n % 10_000_000:07d}015"
    return base + luhn.calc_check_digit(base)
