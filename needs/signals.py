"""Signals the needs app sends for the apps above it to follow.

The needs app sits below ``matching`` and never imports it; an app that must react to a
need leaving the catalogue subscribes here instead. Receivers run inside the sender's
transaction.
"""

from django.dispatch import Signal

# Sent by ``services.close_need`` and ``services.expire_needs`` inside their transaction,
# after the status change. Arguments: ``need``, ``actor`` (None for the expiry job) and
# ``reason``: ``NEED_CLOSED`` or ``NEED_EXPIRED``.
need_ended = Signal()

NEED_CLOSED = "closed"
NEED_EXPIRED = "expired"
