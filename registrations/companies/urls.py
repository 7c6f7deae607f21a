from django.urls import path

from . import views

urlpatterns = [
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("signup/", views.signup, name="signup"),
    path("enrol/", views.enrol, name="enrol"),
    path("company/", views.company, name="company"),
    path("company/invite/", views.invite, name="invite"),
    path("company/invitations/<int:pk>/revoke/", views.revoke_invitation, name="revoke_invitation"),
    path("company/members/<int:pk>/remove/", views.remove_member, name="remove_member"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("staff/second-factor/", views.second_factor, name="second_factor"),
]
