"""The portal when what it stands on is away: Redis (cache and broker), the database, or the
portal itself in maintenance. Pages say so in the reader's language; nothing answers a bare 500."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from cashback.errors import render_stored
from registrations.api.services import create_token
from tests.uploads.test_excel_upload import GOOD, upload, workbook_bytes

CLOSED_REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                            "LOCATION": "redis://127.0.0.1:9/0"}}


def test_with_redis_down_the_api_still_answers_and_lets_requests_through(settings, company, installer, caplog):
    key = create_token(company, name="ERP", user=installer)[1]
    settings.CACHES = CLOSED_REDIS
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")
    assert client.get("/api/v1/registrations/").status_code == 200
    bad = Client(HTTP_AUTHORIZATION="Bearer cbk_nope_nope").get("/api/v1/registrations/")
    assert bad.status_code == 401  # a bad token is still refused; only its count is lost
    assert "the cache cannot be reached" in caplog.text


def test_with_redis_down_an_upload_is_checked_and_its_page_shows(settings, installer_client):
    settings.CACHES = CLOSED_REDIS
    page = upload(installer_client, workbook_bytes(GOOD))
    assert page.status_code == 200 and page.context["upload"].state == "checked"


@pytest.fixture
def database_down(db):
    """Every new use of the database is refused, as by a server that is down (until the test's
    end, when the test database is needed again)."""

    def refuse(self):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", refuse):
        yield


@pytest.mark.parametrize("language, text", [("nl", "Het portaal is even niet beschikbaar"),
                                            ("fr", "Le portail est momentanément indisponible"),
                                            ("en", "The portal is briefly unavailable")])
def test_with_the_database_down_pages_say_so_in_the_readers_language(db, database_down, language, text):
    response = Client(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False).get("/")
    assert response.status_code == 503 and response["Retry-After"] == "60"
    page = response.content.decode()
    assert text in page and f'lang="{language}"' in page and "/static/css/portal.css" in page


def test_with_the_database_down_the_api_answers_json(db, database_down):
    response = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False).get(
        "/api/v1/registrations/", HTTP_AUTHORIZATION="Bearer cbk_x_y")
    assert response.status_code == 503 and response.json()["code"] == "unavailable"


@pytest.mark.parametrize("language, text", [("nl", "Er ging bij ons iets mis"),
                                            ("fr", "Une erreur s'est produite de notre côté"),
                                            ("en", "Something went wrong on our side")])
def test_a_server_error_is_the_portals_page_in_the_readers_language(db, settings, language, text):
    settings.ROOT_URLCONF = "tests.urls_with_a_bug"
    response = Client(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False).get("/bug/")
    assert response.status_code == 500
    page = response.content.decode()
    assert text in page and f'lang="{language}"' in page and "/static/css/portal.css" in page


def test_in_maintenance_every_page_and_the_api_answer_503_but_styles_load(db, settings, client):
    settings.MAINTENANCE = True
    page = client.get("/login/")
    assert page.status_code == 503 and "briefly unavailable" in page.content.decode()
    french = Client(HTTP_ACCEPT_LANGUAGE="fr").get("/login/")
    assert "momentanément indisponible" in french.content.decode()  # in the reader's language
    assert client.get("/api/v1/registrations/").json()["code"] == "unavailable"
    assert client.get("/static/css/portal.css").status_code != 503


def test_kept_database_connections_are_checked_before_they_are_reused(settings):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_a_stored_message_that_cannot_be_rendered_falls_back_to_its_text():
    assert render_stored({"text": "%(value)s is wrong", "params": {"other": "1"}}, "as written") == "as written"
    assert render_stored("not a dict", "as written") == "as written"
    assert render_stored({"text": "%(value)s is wrong", "params": {"value": "X"}}, "as written") == "X is wrong"
