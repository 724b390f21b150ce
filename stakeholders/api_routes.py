"""The stakeholders app's routes under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api_offers import OfferViewSet
from .api_organisations import OrganisationViewSet

router = SimpleRouter()
router.register("offers", OfferViewSet, basename="offer")
router.register("organisations", OrganisationViewSet, basename="organisation")
