from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.csv", views.dashboard_csv, name="dashboard_csv"),
    path("dashboard/export.pdf", views.dashboard_pdf, name="dashboard_pdf"),
    path("survey/<str:token>/", views.survey_response, name="survey_response"),
    path("impact/confirm/<str:token>/", views.confirm_delivery, name="confirm_delivery"),
]
