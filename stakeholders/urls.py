"""Public offer intake (/offers/...) and the stakeholder area (/my/...), included at "/"."""

from django.urls import path

from . import views

app_name = "offers"

urlpatterns = [
    path("offers/new/", views.offer_new, name="new"),
    path("offers/thanks/", views.offer_thanks, name="thanks"),
    path("offers/track/<slug:token>/", views.offer_track, name="track"),
    path("offers/track/<slug:token>/withdraw/", views.offer_track_withdraw, name="track_withdraw"),
    path("my/", views.my_area_home, name="my_area"),
    path("my/organisations/<int:pk>/", views.my_organisation_edit, name="my_organisation_edit"),
    path(
        "my/organisations/<int:organisation_pk>/contacts/new/",
        views.my_contact_edit,
        name="my_contact_new",
    ),
    path(
        "my/organisations/<int:organisation_pk>/contacts/<int:pk>/",
        views.my_contact_edit,
        name="my_contact_edit",
    ),
    path("my/offers/<int:pk>/withdraw/", views.my_offer_withdraw, name="my_offer_withdraw"),
    path("my/consents/<int:pk>/withdraw/", views.my_consent_withdraw, name="my_consent_withdraw"),
    path("my/export/", views.my_export, name="my_export"),
    path("my/erasure/", views.my_erasure, name="my_erasure"),
    path("my/keep/<str:token>/", views.retention_keep, name="retention_keep"),
]
