from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="overview"),
    path("signup/", views.signup, name="signup"),
    path("enrol/", views.enrol, name="enrol"),
    path("registrations/new/", views.register, name="register"),
    path("registrations/export.<str:fmt>", views.export, name="export"),
    path("registrations/<int:pk>/", views.registration_detail, name="registration_detail"),
    path("company/", views.company, name="company"),
    path("company/invite/", views.invite, name="invite"),
    path("company/invitations/<int:pk>/revoke/", views.revoke_invitation, name="revoke_invitation"),
    path("company/members/<int:pk>/remove/", views.remove_member, name="remove_member"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
