"""How the API describes itself: the security of operations anyone may call."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.openapi import AutoSchema


class ContactPointAutoSchema(AutoSchema):
    """drf-spectacular's schema, with ``{}`` (no credentials) in ``security`` wherever the
    view's own permissions let an anonymous caller in: public reads, the offer form."""

    def get_auth(self) -> list[dict[str, Any]]:
        auth = super().get_auth()
        if {} not in auth and self._anonymous_allowed():
            auth.append({})
        return auth

    def _is_list_view(self, serializer: Any = None) -> bool:
        # A viewset's ``list`` that answers one object (a report) says so.
        if getattr(self.view, "list_answers_one_object", False):
            return False
        return super()._is_list_view(serializer)

    def _anonymous_allowed(self) -> bool:
        request = SimpleNamespace(method=self.method, user=AnonymousUser())
        try:
            return all(
                permission.has_permission(request, self.view)  # type: ignore[arg-type]
                for permission in self.view.get_permissions()
            )
        except Exception:
            return False
