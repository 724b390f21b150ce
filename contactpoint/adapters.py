from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from . import landing
from .clientip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """Self sign-up is open to stakeholders; city staff accounts are created by the city."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # Without an explicit ?next=, each person lands on their work (contactpoint.landing).
        return landing.landing_url(request.user)

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's sign-in and sign-up limits count the same client as every other limit.
        return client_ip(request) or super().get_client_ip(request)
