import pytest

from web import create_app
from web.config import DEFAULT_SECRET_KEY, ConfigError, check_secret_key, resolve


def test_defaults_then_environment_then_mapping(tmp_path):
    environ = {"MOTIVO_MIN_GROUP_SIZE": "7", "SECRET_KEY": "from-env", "UNRELATED": "x"}
    config = resolve(str(tmp_path), {"SECRET_KEY": "from-mapping"}, environ)
    assert config["MOTIVO_MIN_GROUP_SIZE"] == 7  # environment beats the default of 5
    assert config["SECRET_KEY"] == "from-mapping"  # the mapping beats the environment
    assert config["MOTIVO_RECOGNITION_DUE_DAYS"] == 45  # untouched default
    assert "UNRELATED" not in config


def test_default_database_is_sqlite_in_instance_folder(tmp_path):
    config = resolve(str(tmp_path), {}, {})
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'motivo.db'}"


def test_environment_database_url_is_used(tmp_path):
    url = "postgresql+psycopg://u@db:5432/motivo"
    assert resolve(str(tmp_path), {}, {"DATABASE_URL": url})["DATABASE_URL"] == url


def test_bad_numbers_and_group_size_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="whole number"):
        resolve(str(tmp_path), {}, {"MOTIVO_MIN_GROUP_SIZE": "five"})
    with pytest.raises(ConfigError, match="between 3 and 10"):
        resolve(str(tmp_path), {"MOTIVO_MIN_GROUP_SIZE": 2}, {})


@pytest.mark.parametrize("key", ["", DEFAULT_SECRET_KEY, None])
def test_refuses_to_serve_with_default_or_empty_secret_key(key):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        check_secret_key({"SECRET_KEY": key})


def test_debug_and_testing_may_use_the_default_key():
    check_secret_key({"SECRET_KEY": DEFAULT_SECRET_KEY, "DEBUG": True})
    check_secret_key({"SECRET_KEY": "", "TESTING": True})


def test_create_app_refuses_default_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})


def test_create_app_accepts_a_real_key(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "s3cr3t" * 8})
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_secure_cookies_follow_the_environment(tmp_path):
    config = resolve(str(tmp_path), {}, {"MOTIVO_SECURE_COOKIES": "true"})
    assert config["SESSION_COOKIE_SECURE"] is True
