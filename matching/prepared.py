"""Running the retrieval queries: their constants written in, then prepared once per
connection."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection

from needs.models import Need
from stakeholders.models import Offer

from .engine import LIMITS, Limits
from .models import OPEN_STAGES, Stage

# Prepare a retrieval query on its second run on a connection (the first may be a one-off).
PREPARE_AFTER = 1
# Stages that count as the organisation's history with a department.
HISTORY_STAGES = (Stage.AGREED, Stage.IN_DELIVERY, Stage.COMPLETED)


_NAME = re.compile(r"^[a-z_]+$")


def _array(values: Sequence[str]) -> str:
    if not all(_NAME.match(str(v)) for v in values):  # stage and status codes only
        raise ValueError(f"not a code: {values!r}")
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]::text[]"


def inline(sql: str, limits: Limits = LIMITS) -> str:
    """Write the constants (statuses, stages, limits: code, never input) into ``sql``:
    only the ids and the date stay parameters, so a prepared statement's generic plan is
    the plan the constants call for."""
    constants = {
        "need_statuses": _array(Need.PUBLIC_STATUSES),
        "offer_statuses": _array(Offer.OPEN_STATUSES),
        "open_stages": _array(OPEN_STAGES),
        "history_stages": _array(HISTORY_STAGES),
        "candidates": int(limits.candidates),
        "area_candidates": int(limits.area_candidates),
        "max_terms": int(limits.max_query_lexemes),
        "min_terms": int(limits.min_query_lexemes),
        "max_docs": int(limits.max_lexeme_rows),
        "row_budget": int(limits.query_row_budget),
        "single_word_pool": int(limits.single_word_pool),
        "outreach_candidates": int(limits.outreach_candidates),
    }
    for name, value in constants.items():
        sql = sql.replace(f"%({name})s", str(value))
    return sql


def fetchall(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Run one of the retrieval queries as a prepared statement.

    They are long (planning one costs several milliseconds, as much as running it on a
    small catalogue) and always planned alike, so each connection plans them once: through
    a server-side-binding cursor with psycopg's automatic preparation. Django's own cursors
    bind on the client and never prepare, so nothing else changes on the connection. Off
    with ``MATCHING_PREPARED_STATEMENTS = False`` (e.g. behind a transaction-pooling
    PgBouncer).
    """
    if not getattr(settings, "MATCHING_PREPARED_STATEMENTS", True):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = PREPARE_AFTER
    # Wrapped like Django's own cursors: query logging and error translation still apply.
    with connection._prepare_cursor(psycopg.Cursor(raw)) as cursor:  # type: ignore[attr-defined]
        cursor.execute(sql, params)
        return cursor.fetchall()
