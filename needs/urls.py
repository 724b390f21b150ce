from django.urls import path

from . import views

app_name = "needs"

urlpatterns = [
    path("needs/", views.need_list, name="list"),
    path("needs/<int:pk>/", views.need_detail, name="detail"),
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/needs/new/", views.workspace_create, name="workspace_create"),
    path("workspace/needs/<int:pk>/edit/", views.workspace_edit, name="workspace_edit"),
    path("workspace/needs/<int:pk>/publish/", views.workspace_publish, name="workspace_publish"),
    path("workspace/needs/<int:pk>/review/", views.workspace_review, name="workspace_review"),
    path("workspace/needs/<int:pk>/close/", views.workspace_close, name="workspace_close"),
]
