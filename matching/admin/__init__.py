"""The account managers' work area in the admin: match queues, a match's full story and
its actions, the team's profiles and the intake list. Importing the package registers them."""

from . import intake, matches, team

__all__ = ["intake", "matches", "team"]
