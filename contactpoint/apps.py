from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactPointConfig(AppConfig):
    name = "contactpoint"
    verbose_name = _("Contact point")
