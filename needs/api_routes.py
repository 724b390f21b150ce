"""The needs app's routes under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import NeedViewSet

router = SimpleRouter()
router.register("needs", NeedViewSet, basename="need")
