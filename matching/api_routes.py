"""The matching app's routes under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import MatchViewSet

router = SimpleRouter()
router.register("matches", MatchViewSet, basename="match")
