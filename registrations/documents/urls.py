from django.urls import path

from . import views

urlpatterns = [
    path("registrations/<int:pk>/documents/", views.upload_documents, name="upload_documents"),
    path("documents/<int:pk>/", views.document_file, name="document_file"),
    path("review/", views.queue, name="review_queue"),
    path("review/<int:pk>/", views.review, name="review_registration"),
    path("review/<int:pk>/decide/", views.decide, name="review_decide"),
]
