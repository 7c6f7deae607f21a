from django.urls import path

from . import views

urlpatterns = [
    path("registrations/template.xlsx", views.template_xlsx, name="template"),
    path("registrations/uploads/", views.uploads, name="uploads"),
    path("registrations/uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("registrations/uploads/<int:pk>/status.json", views.upload_status, name="upload_status"),
    path("registrations/uploads/<int:pk>/confirm/", views.upload_confirm, name="upload_confirm"),
    path("registrations/uploads/<int:pk>/retry/", views.upload_retry, name="upload_retry"),
    path("registrations/uploads/<int:pk>/cancel/", views.upload_cancel, name="upload_cancel"),
    path("registrations/uploads/<int:pk>/file/", views.upload_file, name="upload_file"),
    path("registrations/uploads/<int:pk>/result.xlsx", views.upload_result, name="upload_result"),
    path("registrations/uploads/<int:pk>/check.xlsx", views.upload_preview_workbook, name="upload_check"),
]
