"""Production mode: the instance refuses to serve with a public secret, and sends its safety headers."""

import pytest

from dokreg.cli import main
from dokreg.conf.security import deployment_findings


def codes(level: str) -> set[str]:
    return {f.code for f in deployment_findings() if f.level == level}


@pytest.mark.django_db
def test_default_secret_key_is_an_error_unless_debug(settings):
    settings.SECRET_KEY = settings.DEV_SECRET_KEY
    settings.DEBUG = False
    assert "secret_key_default" in codes("error")
    settings.DEBUG = True
    assert "secret_key_default" not in codes("error")
    assert "debug_on" in codes("warning")


@pytest.mark.django_db
def test_serve_refuses_the_default_secret(settings, capsys, monkeypatch):
    settings.SECRET_KEY = settings.DEV_SECRET_KEY
    settings.DEBUG = False
    served = []
    monkeypatch.setattr("dokreg.conf.serving.web_serve", lambda **kw: served.append(kw))
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--port", "8999"])
    assert exit_.value.code == 2
    assert served == []
    assert "DOKREG_SECRET_KEY" in capsys.readouterr().err


@pytest.mark.django_db
def test_check_passes_with_a_real_configuration(settings, capsys):
    settings.SECRET_KEY = "x" * 50
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["arhiiv.example.ee"]
    settings.DOKREG_PUBLIC_BASE_URL = "https://arhiiv.example.ee"
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = True
    assert codes("error") == set()
    with pytest.raises(SystemExit) as exit_:
        main(["check"])
    assert exit_.value.code == 0
    assert "ready to serve" in capsys.readouterr().out


@pytest.mark.django_db
def test_check_names_an_unwritable_data_dir(settings, tmp_path):
    # A path below a plain file can never be created, whoever runs the command (root included).
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.INDEX_DIR = blocker / "index"
    findings = [f for f in deployment_findings() if f.code == "data_dir_not_writable"]
    assert findings and "DOKREG_INDEX_DIR" in findings[0].message


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy  # the public pages have no inline script or style
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_secure_cookies_and_hsts_from_the_environment(monkeypatch):
    import importlib

    import dokreg.conf.settings as conf

    monkeypatch.setenv("DOKREG_HTTPS", "1")
    try:
        fresh = importlib.reload(conf)
        assert fresh.SESSION_COOKIE_SECURE and fresh.CSRF_COOKIE_SECURE
        assert fresh.SECURE_HSTS_SECONDS == 31536000
        assert fresh.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    finally:
        monkeypatch.delenv("DOKREG_HTTPS")
        importlib.reload(conf)


@pytest.mark.django_db
def test_health_answers_for_monitoring(client, monkeypatch):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "index": "ok"}}

    def broken(*args, **kwargs):
        raise OSError("disk gone /secret/path")

    monkeypatch.setattr("dokreg.conf.health._database", lambda: "OperationalError")
    response = client.get("/health/")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"
    monkeypatch.undo()
    monkeypatch.setattr("dokreg.search.search", broken)
    body = client.get("/health/").json()
    assert body["checks"]["index"] == "OSError" and "/secret/path" not in str(body)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("base_url", "allowed", "found"),
    [
        ("https://arhiiv.example.ee", ["arhiiv.example.ee"], set()),
        ("https://arhiiv.example.ee/", [".example.ee"], set()),
        ("http://127.0.0.1:8000", ["arhiiv.example.ee"], {"public_base_url_host"}),  # left at its default
        ("https://arhiiv.example.ee/arhiiv/", ["arhiiv.example.ee"], {"public_base_url_path"}),
        ("arhiiv.example.ee", ["arhiiv.example.ee"], {"public_base_url_invalid"}),
        ("javascript:alert(1)", ["arhiiv.example.ee"], {"public_base_url_invalid"}),
    ],
)
def test_check_names_a_public_address_the_server_does_not_answer_to(settings, base_url, allowed, found):
    # Mails, feeds and the sitemap pages workers build ahead of crawlers all name this address.
    settings.DOKREG_PUBLIC_BASE_URL = base_url
    settings.ALLOWED_HOSTS = allowed
    named = {f.code for f in deployment_findings() if f.code.startswith("public_base_url")}
    assert named == found
