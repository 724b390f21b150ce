"""Pages of the match workflow outside the admin (included at the site root)."""

from django.urls import path

from . import views

app_name = "matching"

urlpatterns = [
    path("my/matches/", views.my_matches, name="my_matches"),
    path("my/matches/<int:pk>/", views.my_match_detail, name="my_match_detail"),
    path("my/matches/<int:pk>/decline/", views.my_match_decline, name="my_match_decline"),
    path("workspace/matches/", views.workspace_matches, name="workspace_matches"),
    path("team/", views.team_view, name="team"),
    # Replaced by /dashboard/ for the cabinet once it exists (see contactpoint.landing).
    path("overview/", views.staff_overview, name="overview"),
]
