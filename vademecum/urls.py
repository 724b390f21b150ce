from django.urls import path

from . import views

app_name = "vademecum"

urlpatterns = [
    path("vademecum/", views.index, name="index"),
    path("vademecum/guide/", views.guide_page, name="guide"),
    path("vademecum/companies/", views.companies, name="companies"),
    path("vademecum/workspace/", views.workspace, name="workspace"),
    path(
        "vademecum/workspace/versions/<int:pk>/",
        views.version_edit,
        name="version_edit",
    ),
    path(
        "vademecum/workspace/versions/<int:pk>/new-draft/",
        views.version_new_draft,
        name="version_new_draft",
    ),
    path(
        "vademecum/workspace/versions/<int:pk>/approve/",
        views.version_approve,
        name="version_approve",
    ),
    path(
        "vademecum/workspace/versions/<int:pk>/publish/",
        views.version_publish,
        name="version_publish",
    ),
    path(
        "vademecum/workspace/versions/<int:pk>/retire/",
        views.version_retire,
        name="version_retire",
    ),
    path("vademecum/agreements/new/<int:match_pk>/", views.agreement_new, name="agreement_new"),
    path("vademecum/agreements/<str:token>/", views.agreement_detail, name="agreement_detail"),
    path("vademecum/agreements/<str:token>/sign/", views.agreement_sign, name="agreement_sign"),
    path("vademecum/agreements/<str:token>/pdf/", views.agreement_pdf, name="agreement_pdf"),
    path("my/agreements/", views.my_agreements, name="my_agreements"),
    path("vademecum/<slug:slug>/", views.detail, name="detail"),
    path("vademecum/<slug:slug>/compare/", views.compare, name="compare"),
    path("vademecum/<slug:slug>/v<int:number>/pdf/", views.blank_pdf, name="blank_pdf"),
]
