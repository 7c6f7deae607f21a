from django.urls import path

from . import document_views, review_views, upload_views, views

urlpatterns = [
    path("", views.home, name="overview"),
    path("signup/", views.signup, name="signup"),
    path("enrol/", views.enrol, name="enrol"),
    path("registrations/new/", views.register, name="register"),
    path("registrations/export.<str:fmt>", views.export, name="export"),
    path("registrations/template.xlsx", upload_views.template_xlsx, name="template"),
    path("registrations/uploads/", upload_views.uploads, name="uploads"),
    path("registrations/uploads/<int:pk>/", upload_views.upload_detail, name="upload_detail"),
    path("registrations/uploads/<int:pk>/status.json", upload_views.upload_status, name="upload_status"),
    path("registrations/uploads/<int:pk>/confirm/", upload_views.upload_confirm, name="upload_confirm"),
    path("registrations/uploads/<int:pk>/cancel/", upload_views.upload_cancel, name="upload_cancel"),
    path("registrations/uploads/<int:pk>/file/", upload_views.upload_file, name="upload_file"),
    path("registrations/uploads/<int:pk>/result.xlsx", upload_views.upload_result, name="upload_result"),
    path("registrations/uploads/<int:pk>/check.xlsx", upload_views.upload_preview_workbook, name="upload_check"),
    path("registrations/<int:pk>/", views.registration_detail, name="registration_detail"),
    path("registrations/<int:pk>/documents/", document_views.upload_documents, name="upload_documents"),
    path("documents/<int:pk>/", document_views.document_file, name="document_file"),
    path("review/", review_views.queue, name="review_queue"),
    path("review/<int:pk>/", review_views.review, name="review_registration"),
    path("review/<int:pk>/decide/", review_views.decide, name="review_decide"),
    path("company/", views.company, name="company"),
    path("company/invite/", views.invite, name="invite"),
    path("company/invitations/<int:pk>/revoke/", views.revoke_invitation, name="revoke_invitation"),
    path("company/members/<int:pk>/remove/", views.remove_member, name="remove_member"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
