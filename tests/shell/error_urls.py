"""The portal's URLs plus one view that fails, to see the 500 page as a visitor would."""

from django.urls import path

from contactpoint.urls import urlpatterns as portal_urlpatterns


def broken(request):
    raise RuntimeError("a bug in a view")


handler500 = "contactpoint.views.server_error"
urlpatterns = [path("broken/", broken), *portal_urlpatterns]
