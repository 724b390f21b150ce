"""/api-tokens/: city staff create and revoke their own personal API tokens.

Outside ``/accounts/`` on purpose: the second-factor middleware applies, so a token can only
be made from a session that passed TOTP.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import api_tokens
from .models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=80,
        help_text=gettext_lazy("What the token is for, e.g. the integration that uses it."),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Scope"), choices=ApiToken.Scope.choices, initial="read"
    )
    lifetime_days = forms.TypedChoiceField(
        label=gettext_lazy("Valid for"),
        coerce=int,
        initial=90,
        choices=[
            (days, gettext_lazy("%(days)d days") % {"days": days}) for days in api_tokens.LIFETIMES
        ],
    )


def _owner(request: HttpRequest) -> Any:
    return request.user


def _require_staff(request: HttpRequest) -> None:
    if not api_tokens.may_hold_tokens(request.user):
        raise PermissionDenied(_("Only city staff can hold API tokens."))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = api_tokens.create_token(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=_owner(request)).order_by("-created_at", "-pk")
    return render(
        request,
        "contactpoint/api_tokens.html",
        {"form": form, "tokens": tokens, "secret": secret},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    token = get_object_or_404(ApiToken.objects.filter(user=_owner(request)), pk=pk)
    api_tokens.revoke_token(token=token, actor=request.user)
    messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
    return redirect("api_tokens")
