from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VademecumConfig(AppConfig):
    name = "vademecum"
    verbose_name = _("Vademecum")
