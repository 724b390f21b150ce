from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.csv", views.dashboard_csv, name="dashboard_csv"),
    path("dashboard/export.pdf", views.dashboard_pdf, name="dashboard_pdf"),
    path("dashboard/annual-report.pdf", views.annual_report_pdf, name="annual_report_pdf"),
    path("dashboard/topics/propose/", views.propose_topic, name="propose_topic"),
    path("dashboard/statements/", views.statement_list, name="statements"),
    path("dashboard/statements/<int:pk>/<int:year>/", views.statement_detail, name="statement"),
    path(
        "dashboard/statements/<int:pk>/<int:year>/statement.<str:fmt>",
        views.statement_file,
        name="statement_file",
    ),
    path("my/statements/", views.my_statements, name="my_statements"),
    path("my/statements/<int:pk>/<int:year>/", views.my_statement, name="my_statement"),
    path(
        "my/statements/<int:pk>/<int:year>/statement.<str:fmt>",
        views.my_statement_file,
        name="my_statement_file",
    ),
    path("showcase/", views.showcase, name="showcase"),
    path("survey/<str:token>/", views.survey_response, name="survey_response"),
    path("impact/confirm/<str:token>/", views.confirm_delivery, name="confirm_delivery"),
]
