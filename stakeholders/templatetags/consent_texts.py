"""``{% consent_texts_in_force as texts %}``: the consent wording in force, for pages whose
views are not ours (allauth's sign-up)."""

from __future__ import annotations

from django import template

from ..consent import texts_in_force

register = template.Library()


@register.simple_tag
def consent_texts_in_force() -> list:
    return texts_in_force()
