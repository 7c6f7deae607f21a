from django.urls import path

from . import views

urlpatterns = [
    path("portal-devices/", views.portal_devices, name="portal_devices"),
]
