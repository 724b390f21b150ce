"""The audit trail: ``log_action`` is called by every service that changes something."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models

from .models import AuditEntry


class _Batch(threading.local):
    def __init__(self) -> None:
        self.entries: list[AuditEntry] | None = None


_batch = _Batch()


@contextmanager
def batched() -> Iterator[None]:
    """Write the entries logged inside the block in one INSERT when it ends.

    For services that log several actions in one transaction (an offer: its organisation,
    contact, consents and itself). Enter it inside that transaction: the entries are written
    before it commits, or not at all when the block raises. Nested blocks join the outer one.
    """
    if _batch.entries is not None:
        yield
        return
    _batch.entries = []
    try:
        yield
        entries = _batch.entries
    finally:
        _batch.entries = None
    if entries:
        AuditEntry.objects.bulk_create(entries)


def acting_user(actor: Any) -> Any:
    """The actor when it is a signed-in user, None otherwise (anonymous, a task, no one):
    what the audit entry and a ``created_by``-like foreign key may hold."""
    return actor if getattr(actor, "is_authenticated", False) else None


def log_action(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record that ``actor`` did ``action`` (dotted: ``app.model.verb``) to ``obj``.

    Must run inside the transaction of the change itself, so the entry commits or rolls back
    with it.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("log_action must be called inside the change's transaction")
    if action.count(".") < 2:
        raise ValueError("audit actions are dotted: app.model.verb")
    entry = AuditEntry(actor=acting_user(actor), action=action, payload=payload or {})
    if obj is not None:
        entry.content_type = ContentType.objects.get_for_model(obj)
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:200]
    if _batch.entries is not None:
        _batch.entries.append(entry)  # written when the ``batched`` block ends
    else:
        entry.save()
    return entry


def history_for(obj: models.Model) -> models.QuerySet[AuditEntry]:
    """The object's audit entries, newest first."""
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor")
