"""Signals other apps use to follow or guard a match's lifecycle without this app knowing them.

``before_transition`` is sent inside ``lifecycle.transition``'s transaction, with the match row
locked, after the table and the permission checks: a receiver refuses the move by raising
``lifecycle.MatchError`` (its message is shown to the user). ``stage_changed`` is sent in the
same transaction once the new stage is saved, so a receiver's writes commit or roll back with
the move.
"""

from django.dispatch import Signal

# Arguments: match, to_stage, actor.
before_transition = Signal()
# Arguments: match, from_stage, to_stage, actor.
stage_changed = Signal()
