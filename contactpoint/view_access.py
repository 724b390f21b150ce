"""The door of a page for one kind of user: sign-in for visitors, a refusal for the others."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

View = Callable[..., HttpResponse]


def users_who(
    may: Callable[[Any], bool], *, refusal: Any = None, forbidden_page: str = ""
) -> Callable[[View], View]:
    """A view decorator: visitors are sent to sign in; a signed-in user for whom
    ``may(user)`` is false gets a 403, ``forbidden_page`` rendered or else a
    ``PermissionDenied`` saying ``refusal`` (a lazy text, translated per request)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not may(request.user):
                if forbidden_page:
                    return render(request, forbidden_page, status=403)
                raise PermissionDenied(str(refusal))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
