"""Settings come from the environment, and a value that cannot be meant is refused loudly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cashback.settings import env_bool, env_float, env_int

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("Yes", True), (" on ", True),
                                             ("0", False), ("false", False), ("NO", False), ("off", False)])
def test_it_reads_the_usual_words_for_yes_and_no(monkeypatch, value, expected):
    monkeypatch.setenv("SOME_SWITCH", value)
    assert env_bool("SOME_SWITCH", not expected) is expected


def test_an_unset_or_empty_switch_is_its_default(monkeypatch):
    monkeypatch.delenv("SOME_SWITCH", raising=False)
    assert env_bool("SOME_SWITCH", True) is True
    monkeypatch.setenv("SOME_SWITCH", "")
    assert env_bool("SOME_SWITCH", False) is False


@pytest.mark.parametrize("typo", ["flase", "ture", "2", "enabled"])
def test_a_typo_in_a_switch_is_refused_not_read_as_off(monkeypatch, typo):
    monkeypatch.setenv("SOME_SWITCH", typo)
    with pytest.raises(ImproperlyConfigured, match="SOME_SWITCH"):
        env_bool("SOME_SWITCH")


def test_a_number_that_is_not_one_is_refused(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "20 MB")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER"):
        env_int("SOME_NUMBER", 1)
    monkeypatch.setenv("SOME_NUMBER", "2.5")
    assert env_float("SOME_NUMBER", 1.0) == 2.5


def test_reading_the_settings_creates_no_folders(tmp_path):
    var = tmp_path / "var"
    environment = {**os.environ, "VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "cashback.settings"}
    for name in ("DATABASE_URL", "REDIS_URL"):
        environment.pop(name, None)
    subprocess.run([sys.executable, "-c", "import cashback.settings"], cwd=ROOT, env=environment, check=True)
    assert not var.exists()
    # The project makes them when it starts (cashback.apps), e.g. for any management command.
    subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, check=True,
                   capture_output=True)
    assert (var / "broker" / "queue").is_dir() and (var / "staticfiles").is_dir()
