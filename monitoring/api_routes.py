"""The monitoring app's routes under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import ImpactRecordViewSet, KpiViewSet

router = SimpleRouter()
router.register("kpis", KpiViewSet, basename="kpi")
router.register("impact-records", ImpactRecordViewSet, basename="impact-record")
