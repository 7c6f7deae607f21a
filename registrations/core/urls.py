from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="overview"),
    path("registrations/new/", views.register, name="register"),
    path("registrations/export.<str:fmt>", views.export, name="export"),
    path("registrations/<int:pk>/", views.registration_detail, name="registration_detail"),
]
