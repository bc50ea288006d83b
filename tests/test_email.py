"""E-mail configuration from DOKREG_EMAIL_URL and delivery through a real SMTP server."""

import pytest
from django.core.mail import send_mail

from dokreg.conf.email import EmailUrlError, email_settings


def test_console_is_the_default():
    assert email_settings("")["EMAIL_BACKEND"].endswith("console.EmailBackend")


def test_smtp_url_with_encoded_password_and_starttls():
    config = email_settings("smtp://alerts%40example.ee:p%40ss%3Aword@mail.example.ee")
    assert config["EMAIL_HOST"] == "mail.example.ee"
    assert config["EMAIL_PORT"] == 587
    assert config["EMAIL_HOST_USER"] == "alerts@example.ee"
    assert config["EMAIL_HOST_PASSWORD"] == "p@ss:word"
    assert config["EMAIL_USE_TLS"] and not config["EMAIL_USE_SSL"]


def test_smtps_uses_implicit_tls_on_465():
    config = email_settings("smtps://mail.example.ee")
    assert config["EMAIL_PORT"] == 465 and config["EMAIL_USE_SSL"] and not config["EMAIL_USE_TLS"]


@pytest.mark.parametrize(
    "url, reason",
    [
        ("gopher://x", "unknown scheme"),
        ("smtp://", "needs a host"),
        ("smtp://h:99999", "bad port"),
        ("file://", "needs a folder"),
    ],
)
def test_bad_urls_name_the_problem(url, reason):
    with pytest.raises(EmailUrlError, match=reason):
        email_settings(url)


def test_mail_reaches_a_real_smtp_server(smtp_server):
    send_mail("Päring kinnitatud", "Kood: 123456", "dokreg@localhost", ["mari@example.ee"])
    assert len(smtp_server) == 1
    message = smtp_server[0]
    assert message["Subject"] == "Päring kinnitatud"
    assert "Kood: 123456" in message.get_content()
    assert message["X-Envelope-To"] == "mari@example.ee"
