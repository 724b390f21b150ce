"""/api/v1/: one router holding the routes every installed app declares.

An app's AppConfig names its router by dotted path (``api_router``); the core only gathers
them, in INSTALLED_APPS order, and never imports an app's viewsets itself.
"""

from django.apps import apps
from django.utils.module_loading import import_string
from rest_framework.routers import DefaultRouter

router = DefaultRouter()

for config in apps.get_app_configs():
    dotted = getattr(config, "api_router", None)
    if dotted:
        router.registry.extend(import_string(dotted).registry)

urlpatterns = router.urls
