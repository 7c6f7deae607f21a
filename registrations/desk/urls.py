from django.urls import path

from . import views

urlpatterns = [
    path("staff/", views.desk, name="desk"),
    path("staff/figures/<slug:name>.xlsx", views.figure_download, name="desk_figure"),
    path("staff/campaigns/<int:pk>/", views.campaign, name="desk_campaign"),
    path("staff/campaigns/<int:pk>/<slug:action>/", views.campaign_action, name="desk_campaign_action"),
]
