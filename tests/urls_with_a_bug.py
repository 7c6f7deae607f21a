"""The portal's URLs and one page with a bug in it, to see what a reader gets for a server error."""

from django.urls import path

from cashback.urls import handler500  # noqa: F401 - handler500 is read by Django
from cashback.urls import urlpatterns as portal


def bug(request):
    raise RuntimeError("a bug")


urlpatterns = [path("bug/", bug), *portal]
