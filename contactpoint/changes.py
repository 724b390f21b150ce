"""Building blocks of the services that change records: setting many-to-many relations and
stamping a date once under a row lock."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.db import models
from django.utils import timezone

from .audit import log_action

M = TypeVar("M", bound=models.Model)


def set_relations(
    obj: models.Model, changes: Mapping[str, Any], relations: Iterable[str]
) -> list[str]:
    """Set each many-to-many relation named in ``changes`` (objects or primary keys) that
    differs from what ``obj`` has; the names of those set, in the order of ``relations``."""
    changed = []
    for relation in relations:
        if relation in changes:
            manager = getattr(obj, relation)
            after = {getattr(item, "pk", item) for item in changes[relation]}
            if set(manager.values_list("pk", flat=True)) != after:
                manager.set(after)
                changed.append(relation)
    return changed


def stamp_once(
    instance: M,
    field: str,
    *,
    actor: Any,
    action: str,
    payload: Callable[[M], dict[str, Any]],
    also: Mapping[str, Any] | None = None,
    audit_obj: Callable[[M], models.Model] | None = None,
) -> M:
    """Lock ``instance``'s row and set ``field`` (a date) to now, with the fields in ``also``,
    and audit ``action`` on the locked row (or on ``audit_obj`` of it); when ``field`` is
    already set, the locked row comes back unchanged. Call it inside a transaction."""
    locked = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    if getattr(locked, field) is not None:
        return locked
    setattr(locked, field, timezone.now())
    for name, value in (also or {}).items():
        setattr(locked, name, value)
    locked.save(update_fields=[field, *(also or {})])
    log_action(
        actor=actor,
        action=action,
        obj=audit_obj(locked) if audit_obj else locked,
        payload=payload(locked),
    )
    return locked
