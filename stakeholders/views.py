"""Public offer intake (/offers/...) and the stakeholder area (/my/...). Views stay thin."""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from contactpoint import landing
from contactpoint.pagecache import anonymous_page

from . import my_area, offers, registry, retention
from .forms import (
    ContactPersonForm,
    ErasureRequestForm,
    OfferForm,
    OrganisationProfileForm,
    public_need,
)
from .models import ContactPerson, Offer
from .throttling import client_ip

logger = logging.getLogger(__name__)

# Session keys: the confirmation page shows the offer this browser just sent.
SESSION_SUBMITTED = "offers_submitted_token"
SESSION_NEED_DROPPED = "offers_need_dropped"
# The secret the form's idempotency keys are derived from, and the offers this browser sent.
SESSION_FORM_SALT = "offers_form_salt"
SESSION_MINE = "offers_sent_tokens"
MATCHES_PATH = "/my/matches/"


# --- Public offer intake --------------------------------------------------------------------


def _initial_for(request: HttpRequest, need: Any) -> dict[str, Any]:
    initial: dict[str, Any] = {"language": (request.LANGUAGE_CODE or "it")[:2]}
    if need is not None:
        initial.update(
            need=need.pk,
            resource_kind=need.resource_kind,
            areas=[need.area_id],
            unit=need.unit,
        )
        if need.neighbourhood_id:
            initial["neighbourhoods"] = [need.neighbourhood_id]
    user: Any = request.user
    if my_area.may_use_stakeholder_area(user):
        # A signed-in stakeholder: their organisation and their own contact record.
        organisation = my_area.my_organisations(user).order_by("pk").first()
        if organisation is not None:
            initial.update(
                (name, getattr(organisation, name))
                for name in ("legal_name", "kind", "tax_code", "vat_number", "website")
            )
            contact = (
                organisation.contacts.filter(email__iexact=user.email).first()
                if user.email
                else None
            )
            if contact is not None:
                initial.update(
                    (name, getattr(contact, name))
                    for name in ("first_name", "last_name", "role", "phone", "language")
                )
        initial.setdefault("first_name", user.first_name)
        initial.setdefault("last_name", user.last_name)
        initial["email"] = user.email
    return initial


def _add_service_errors(form: OfferForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@anonymous_page
def offer_new(request: HttpRequest) -> HttpResponse:
    status = 200
    need_notice = False
    if request.method == "POST":
        form = OfferForm(request.POST)
        if form.is_spam:
            # A bot filled the honeypot: answer exactly like a success, store nothing.
            logger.info("offer form: honeypot filled, nothing stored")
            request.session.pop(SESSION_SUBMITTED, None)
            return redirect("offers:thanks")
        if form.is_valid():
            salt = request.session.setdefault(SESSION_FORM_SALT, secrets.token_urlsafe(24))
            try:
                offer, created = offers.submit_offer(
                    data=form.cleaned_data,
                    idempotency_key=offers.form_idempotency_key(salt=salt, data=form.cleaned_data),
                    actor=request.user,
                    client_ip=client_ip(request),
                    source="form",
                )
            except offers.OfferRateLimited as exc:
                form.add_error(None, exc.message)
                status = 429
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                mine = list(request.session.get(SESSION_MINE, []))[-20:]
                if created:
                    mine.append(offer.tracking_token)
                    request.session[SESSION_MINE] = mine
                # The same offer again shows its confirmation; its private link only to the
                # browser that sent it (same content typed elsewhere gets the plain thanks).
                request.session[SESSION_SUBMITTED] = (
                    offer.tracking_token if offer.tracking_token in mine else None
                )
                request.session[SESSION_NEED_DROPPED] = form.need_dropped
                return redirect("offers:thanks")
        need = form.cleaned_data.get("need") if hasattr(form, "cleaned_data") else None
        if need is None and not form.need_dropped:
            need = public_need(request.POST.get("need"))
    else:
        raw_need = request.GET.get("need", "")
        need = public_need(raw_need) if raw_need else None
        need_notice = bool(raw_need) and need is None
        form = OfferForm(initial=_initial_for(request, need))
    return render(
        request,
        "stakeholders/offer_form.html",
        {"form": form, "need": need, "need_notice": need_notice or form.need_dropped},
        status=status,
    )


@never_cache
@require_safe
def offer_thanks(request: HttpRequest) -> HttpResponse:
    token = request.session.get(SESSION_SUBMITTED)
    offer = offers.offer_for_tracking_token(token) if token else None
    return render(
        request,
        "stakeholders/offer_thanks.html",
        {"offer": offer, "need_dropped": request.session.get(SESSION_NEED_DROPPED, False)},
    )


def _offer_by_token_or_404(token: str) -> Any:
    offer = offers.offer_for_tracking_token(token)
    if offer is None:
        raise Http404
    return offer


@never_cache
@require_safe
def offer_track(request: HttpRequest, token: str) -> HttpResponse:
    offer = _offer_by_token_or_404(token)
    response = render(request, "stakeholders/offer_track.html", {"offer": offer})
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_POST
def offer_track_withdraw(request: HttpRequest, token: str) -> HttpResponse:
    offer = _offer_by_token_or_404(token)
    _withdraw(
        request,
        offer,
        source="tracking_link",
        done=_("Your offer has been withdrawn. Thank you for letting us know."),
    )
    return redirect("offers:track", token=offer.tracking_token)


def _withdraw(request: HttpRequest, offer: Offer, *, source: str, done: str) -> None:
    """Withdraw the offer and say so, or say why it cannot be withdrawn."""
    try:
        offers.withdraw_offer(offer=offer, actor=request.user, source=source)
    except offers.OfferNotWithdrawable as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)


# --- Stakeholder area -----------------------------------------------------------------------


def _require_area(request: HttpRequest) -> None:
    if not my_area.may_use_stakeholder_area(request.user):
        # City staff see organisations in the admin; this area is for organisations.
        raise PermissionDenied(_("This area is for organisations offering help."))


def _optional_path(path: str) -> str | None:
    """``path`` if some view serves it (built by another part of the portal), else None."""
    try:
        resolve(path)
    except Resolver404:
        return None
    return path


@login_required
@require_safe
@landing.organisations_area
def my_area_home(request: HttpRequest) -> HttpResponse:
    _require_area(request)
    context = my_area.area_overview(request.user)
    context["matches_url"] = _optional_path(MATCHES_PATH)
    return render(request, "stakeholders/my_area.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_area(request)
    organisation = get_object_or_404(my_area.my_organisations(request.user), pk=pk)
    form = OrganisationProfileForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        my_area.update_organisation_profile(
            organisation=organisation, data=form.cleaned_data, actor=request.user
        )
        messages.success(request, _("The profile has been saved."))
        return redirect("offers:my_area")
    organisation.refresh_from_db()  # the form may have changed the instance in memory
    return render(
        request,
        "stakeholders/organisation_edit.html",
        {"form": form, "organisation": organisation},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_contact_edit(
    request: HttpRequest, organisation_pk: int, pk: int | None = None
) -> HttpResponse:
    _require_area(request)
    organisation = get_object_or_404(my_area.my_organisations(request.user), pk=organisation_pk)
    contact = (
        get_object_or_404(ContactPerson.objects.filter(organisation=organisation), pk=pk)
        if pk is not None
        else None
    )
    form = ContactPersonForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        my_area.save_contact(
            organisation=organisation, contact=contact, data=form.cleaned_data, actor=request.user
        )
        messages.success(request, _("The contact has been saved."))
        return redirect("offers:my_area")
    if contact is not None:
        contact.refresh_from_db()
    return render(
        request,
        "stakeholders/contactperson_form.html",
        {"form": form, "organisation": organisation, "contact": contact},
    )


@login_required
@require_POST
def my_offer_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    _require_area(request)
    offer = get_object_or_404(my_area.my_offers(request.user), pk=pk)
    _withdraw(
        request,
        offer,
        source="my_area",
        done=_("The offer “%(title)s” has been withdrawn.") % {"title": offer.title},
    )
    return redirect("offers:my_area")


@login_required
@require_POST
def my_consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    _require_area(request)
    consent = get_object_or_404(my_area.my_consents(request.user), pk=pk)
    registry.withdraw_consent(consent=consent, actor=request.user, source="my_area")
    messages.success(request, _("Your consent has been withdrawn."))
    return redirect("offers:my_area")


@never_cache
@login_required
@require_safe
def my_export(request: HttpRequest) -> HttpResponse:
    _require_area(request)
    document = my_area.export_personal_data(user=request.user)
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="contactpoint-my-data.json"'
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_erasure(request: HttpRequest) -> HttpResponse:
    _require_area(request)
    form = ErasureRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _erasure, created = my_area.request_erasure(
            user=request.user, reason=form.cleaned_data["reason"]
        )
        if created:
            messages.success(
                request,
                _("Your request has been recorded. The contact point will write to you."),
            )
        else:
            messages.info(request, _("You already have a request waiting; we will write to you."))
        return redirect("offers:my_area")
    return render(request, "stakeholders/erasurerequest_form.html", {"form": form})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def retention_keep(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the retention warning: a button (link checkers only GET), then kept."""
    notice = retention.notice_for_token(token)
    if notice is None:
        raise Http404
    kept = notice.kept_at is not None
    if request.method == "POST":
        notice = retention.keep_data(notice=notice)
        kept = True
    return render(
        request,
        "stakeholders/retentionnotice_keep.html",
        {"notice": notice, "kept": kept, "months": retention.retention_months()},
    )
