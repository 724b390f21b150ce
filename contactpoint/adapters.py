from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Self sign-up is open to stakeholders; city staff accounts are created by the city."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True
