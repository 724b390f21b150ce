"""/api/v1/: each app registers its viewsets on this one router."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

from needs.api import NeedViewSet  # noqa: E402

router.register("needs", NeedViewSet, basename="need")

from stakeholders.api_offers import OfferViewSet  # noqa: E402

router.register("offers", OfferViewSet, basename="offer")

from matching.api import MatchViewSet  # noqa: E402

router.register("matches", MatchViewSet, basename="match")

from stakeholders.api_organisations import OrganisationViewSet  # noqa: E402

router.register("organisations", OrganisationViewSet, basename="organisation")

from vademecum.api import router as vademecum_router  # noqa: E402

router.registry.extend(vademecum_router.registry)

from monitoring.api import ImpactRecordViewSet, KpiViewSet  # noqa: E402

router.register("kpis", KpiViewSet, basename="kpi")
router.register("impact-records", ImpactRecordViewSet, basename="impact-record")

urlpatterns = router.urls
