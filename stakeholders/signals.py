"""Signals the stakeholders app sends for the apps above it to follow.

The stakeholders app sits below ``matching`` and never imports it; an app that must react
to an offer's life subscribes here instead. Receivers run inside the sender's transaction.
"""

from django.dispatch import Signal

# Sent by ``offers.withdraw_offer`` inside its transaction, after the status change.
# Arguments: ``offer`` (the withdrawn offer), ``actor`` (who withdrew it, or None).
offer_withdrawn = Signal()
