"""The portal's URLs plus two baselines: ``/bench/bare-form/``, a Django form validated and
answered with no business logic (for the offer POST), and ``/bench/bare-page/``, a GET
answered with a fixed page through the same middleware (for the public pages)."""

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from contactpoint.urls import urlpatterns as portal_urlpatterns


class BareForm(forms.Form):
    title = forms.CharField(max_length=200)
    email = forms.EmailField()
    quantity = forms.IntegerField(min_value=1)


@csrf_exempt
def bare_form(request: HttpRequest) -> HttpResponse:
    form = BareForm(request.POST)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    return JsonResponse({"ok": True}, status=201)


def bare_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<!DOCTYPE html><html><body><p>Contact Point</p></body></html>")


urlpatterns = [
    path("bench/bare-form/", bare_form),
    path("bench/bare-page/", bare_page),
    *portal_urlpatterns,
]
