"""E-mail kinds: real letters from registers (.eml, Outlook .msg), Tika's mail samples, sloppy
encodings we build, and hostile messages."""

from __future__ import annotations

import email.message
import email.policy
from pathlib import Path

import pytest

from dokreg.errors import Broken, DokregError, TooLarge
from dokreg.extract.kinds import choose
from dokreg.extract.kinds.eml import EmlExtractor
from dokreg.extract.kinds.msg import MsgExtractor
from dokreg.extract.limits import Limits
from dokreg.extract.runner import extract_bytes, extract_tree

PNG = b"\x89PNG\r\n\x1a\n"


def _extract(data: bytes, name: str, limits: Limits | None = None):
    return extract_bytes(data, name, limits=limits or Limits(), isolate=False)


def _read(path: Path):
    return _extract(path.read_bytes(), path.name)


# --- real letters from registers ------------------------------------------------------------------


@pytest.mark.shared
def test_eml_with_inline_image_has_headers_body_and_the_image(fixtures_dir):
    result = _read(fixtures_dir / "ekiri.eml")
    assert result.kind == "eml"
    assert dict(result.metadata) == {
        "from": "Kristel Kivikas <kristel.kivikas@cr14.ee>",
        "to": '"AKI info"',
        "date": "2024-08-27T16:02:56+03:00",
        "subject": "NK protokollid",
        "attachments": "1",
    }
    assert result.text.startswith(
        'Saatja: Kristel Kivikas <kristel.kivikas@cr14.ee>\nSaaja: "AKI info"\n'
        "Kuupäev: 2024-08-27T16:02:56+03:00\nTeema: NK protokollid\n\n"
        "Tähelepanu! Tegemist on välisvõrgust saabunud kirjaga."
    )
    # the 8-bit iso-8859-1 plain part, preferred over the HTML one
    assert "Millist Ak piirangut te soovitaksite kasutada nõukogu koosoleku" in result.text
    assert "Rävala pst 14, Tallinn" in result.text
    assert [c.name for c in result.children] == ["image001.png"]
    assert result.children[0].data.startswith(PNG)


@pytest.mark.shared
def test_eml_with_pdf_attachment_and_html_only_body(fixtures_dir):
    result = _read(fixtures_dir / "dir1" / "with-pdf.eml")
    assert dict(result.metadata)["subject"] == "Payment received for invoice 7B620ED2-0003"
    assert [c.name for c in result.children] == ["Order_ID_7B620ED2-0003.pdf"]
    assert result.children[0].data.startswith(b"%PDF-")
    assert "Amount paid: USD $270.00" in result.text
    assert "<meta" not in result.text and "width=device-width" not in result.text


@pytest.mark.shared
def test_msg_from_a_citizen_keeps_estonian_letters(fixtures_dir):
    result = _read(fixtures_dir / "polva.msg")
    assert result.kind == "msg"
    metadata = dict(result.metadata)
    assert metadata["subject"] == "Põlva kontori problemaatika"
    assert metadata["from"] == '"Irena Viitamees" <irena.viitamees@polvamaa.ee>'
    assert metadata["to"] == "<info@sotsiaalkindlustusamet.ee>"
    assert metadata["date"] == "2024-09-05T06:43:14+00:00"
    assert "Teema: Põlva kontori problemaatika" in result.text
    assert "Olen Irena Viitamees Põlvamaa arenduskeskusest." in result.text
    assert result.children == ()


@pytest.mark.shared
def test_msg_reply_of_a_ministry(fixtures_dir):
    result = _read(fixtures_dir / "hambad.msg")
    metadata = dict(result.metadata)
    assert metadata["subject"] == "RE: Hambaravis toimuvate muudatuste leidmine"
    assert metadata["from"] == "Lii Pärg"
    assert metadata["to"] == "'Monika Mägi - Juunika Koolitus' <monika.magi@juunika.ee>"
    assert "Soovitan pöörduda küsimusega Keskkonnaameti poole" in result.text


@pytest.mark.shared
@pytest.mark.parametrize("name", ["Vastus.msg", "Vastus2.msg"])
def test_msg_forward_with_inline_images(fixtures_dir, name):
    result = _read(fixtures_dir / name)
    assert dict(result.metadata)["subject"] == "FW: palun registreerida kiri"
    assert [c.name for c in result.children] == ["image001.png", "image002.png", "image003.png"]
    assert all(c.data.startswith(PNG) for c in result.children)
    assert 'Subject: RE: Ehitusgiidi juhend "Spordi- ja puhkerajatis"' in result.text


# --- Tika's mail samples ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tika(shared_data) -> Path:
    return shared_data / "tika-test-documents"


@pytest.mark.shared
def test_msg_with_an_embedded_msg_returns_it_as_a_child(tika):
    path = tika / "tika-parser-microsoft-module" / "testMSG_att_msg.msg"
    tree = extract_tree(path.read_bytes(), path.name, Limits(), isolate=False)
    assert [c.name for c in tree.children] == ["Test Attachment.msg", "smbprn.00009008.KdcPjl.pdf"]
    embedded = tree.children[0].extraction
    assert embedded is not None and embedded.kind == "msg"


@pytest.mark.shared
def test_eml_zip_attachment_is_opened_and_encrypted_one_is_named(tika):
    folder = tika / "tika-parser-mail-module"
    plain = extract_tree(
        (folder / "testRFC822_normal_zip").read_bytes(), "normal.eml", Limits(), isolate=False
    )
    (attachment,) = plain.children
    assert attachment.name == "test.zip" and attachment.extraction.kind == "zip"
    locked = extract_tree(
        (folder / "testRFC822_encrypted_zip").read_bytes(), "locked.eml", Limits(), isolate=False
    )
    (attachment,) = locked.children
    assert attachment.error_code == "encrypted"
    assert attachment.error_message.startswith("test.zip: every member")


@pytest.mark.shared
def test_every_mail_sample_extracts_or_fails_with_a_reason(tika, fixtures_dir):
    paths = [
        *sorted(tika.glob("*/*.eml")),
        *sorted(tika.glob("*/testRFC822*")),
        *sorted(tika.glob("*/*.msg")),
        *sorted(fixtures_dir.glob("*.msg")),
        *sorted(fixtures_dir.glob("**/*.eml")),
    ]
    assert len(paths) >= 40
    outcomes = {}
    for path in paths:
        try:
            outcomes[path.name] = _read(path).kind
        except DokregError as e:
            assert path.name in e.message, e.message  # a failure names the file and says why
            outcomes[path.name] = e.code
    assert set(outcomes.values()) <= {"eml", "msg"}, outcomes


# --- sloppy encodings, built ----------------------------------------------------------------------


def _message(headers: bytes, body: bytes = b"Tere!") -> bytes:
    return b"From: a@b.ee\r\nTo: c@d.ee\r\n" + headers + b"\r\n\r\n" + body


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Subject: Põlva šõu".encode("cp1257"), "Põlva šõu"),  # raw 8-bit, Baltic code page
        ("Subject: Põlva šõu".encode(), "Põlva šõu"),  # raw 8-bit UTF-8
        (b"Subject: =?iso-8859-1?Q?P=C3=B5lva_=C5=A1=C3=B5u?=", "Põlva šõu"),  # UTF-8 labelled latin-1
        (b"Subject: =?iso-8859-1?Q?P=F5lva_=9A=F5u?=", "Põlva šõu"),  # Windows-1252 labelled latin-1
        (b"Subject: =?x-unknown?Q?P=F5lva?=", "Põlva"),  # a charset nobody knows
        (b"Subject: =?windows-1257?B?UPVsdmEg8PV1?=", "Põlva šõu"),  # correct label: kept
    ],
)
def test_sloppily_encoded_subjects_are_repaired(subject, expected):
    result = _extract(_message(subject), "kiri.eml")
    assert dict(result.metadata)["subject"] == expected


def _with_attachment(disposition: bytes) -> bytes:
    return (
        b"From: a@b.ee\r\nSubject: lisa\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nTere!\r\n"
        b"--b\r\nContent-Type: application/pdf\r\n" + disposition + b"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        (
            'Content-Disposition: attachment; filename="Õiend šabloon.pdf"'.encode("cp1257"),
            "Õiend šabloon.pdf",
        ),
        (b"Content-Disposition: attachment; filename*=''%D5iend%20%F0abloon.pdf", "Õiend šabloon.pdf"),
        (b"Content-Disposition: attachment; filename*=utf-8''%C3%95iend.pdf", "Õiend.pdf"),
        (
            b"Content-Disposition: attachment;\r\n filename*0*=iso-8859-1''%C3%95ie;\r\n filename*1*=nd.pdf",
            "Õiend.pdf",
        ),
        (b'Content-Disposition: attachment; filename="=?utf-8?B?w5VpZW5kLnBkZg==?="', "Õiend.pdf"),
        (b'Content-Disposition: attachment; filename="..\\\\..\\\\Windows\\\\evil.pdf"', "evil.pdf"),
    ],
)
def test_attachment_names_survive_sloppy_encodings(disposition, expected):
    result = _extract(_with_attachment(disposition), "kiri.eml")
    assert [c.name for c in result.children] == [expected]
    assert result.children[0].data == b"%PDF-1.4\n"
    assert result.text.endswith("Tere!")


def test_forwarded_message_becomes_an_eml_child_and_cc_is_listed():
    inner = email.message.EmailMessage()
    inner["From"] = "Mari Maasikas <mari@example.ee>"
    inner["Subject"] = "Taotlus õppetoetuseks"
    inner.set_content("Palun menetleda.")
    outer = email.message.EmailMessage()
    outer["From"] = "kantselei@example.ee"
    outer["To"] = "info@example.ee"
    outer["Cc"] = "Jüri Jõgi <jyri@example.ee>"
    outer["Subject"] = "FW: Taotlus"
    outer.set_content("Edastan registreerimiseks.")
    outer.add_attachment(inner)
    tree = extract_tree(outer.as_bytes(policy=email.policy.SMTP), "edastus.eml", Limits(), isolate=False)
    assert "Koopia: Jüri Jõgi <jyri@example.ee>" in tree.extraction.text
    (child,) = tree.children
    assert child.name == "Taotlus õppetoetuseks.eml"
    assert dict(child.extraction.metadata)["subject"] == "Taotlus õppetoetuseks"
    assert "Palun menetleda." in child.extraction.text


def test_choose_sends_mail_headers_to_eml_and_msg_streams_to_msg():
    assert isinstance(
        choose(b"Received: from mx\r\nFrom: a@b.ee\r\nSubject: x\r\n\r\n", "x.txt"), EmlExtractor
    )
    msg_head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "__substg1.0_0037001F".encode("utf-16-le")
    assert isinstance(choose(msg_head, "kiri.doc"), MsgExtractor)


# --- hostile messages -------------------------------------------------------------------------------


def _many_attachments(count: int) -> bytes:
    parts = [b"--b\r\nContent-Type: text/plain\r\n\r\nTere!\r\n"]
    parts += [
        f'--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="{i}.txt"\r\n\r\n{i}\r\n'.encode()
        for i in range(count)
    ]
    head = b'From: a@b.ee\r\nSubject: palju\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
    return head + b"".join(parts) + b"--b--\r\n"


def test_thousand_attachments_hit_the_children_limit():
    with pytest.raises(TooLarge, match=r"^palju.eml: more than 999 attachments \(the children limit\)$"):
        _extract(_many_attachments(1000), "palju.eml", Limits(max_children=999))
    result = _extract(_many_attachments(1000), "palju.eml")  # exactly at the default limit: all kept
    assert len(result.children) == 1000 and result.children[-1].name == "999.txt"


def test_eml_name_without_mail_headers_is_broken():
    with pytest.raises(Broken, match=r"^kiri.eml: not an e-mail \(no From, To, Subject or Date header\)$"):
        _extract(b"just some words\r\n", "kiri.eml")


@pytest.mark.shared
@pytest.mark.parametrize("keep", [512, 4096, 20000])
def test_truncated_msg_is_broken_not_a_crash(fixtures_dir, keep):
    data = (fixtures_dir / "polva.msg").read_bytes()[:keep]
    with pytest.raises(Broken, match=r"^kiri.msg: "):
        extract_bytes(data, "kiri.msg", limits=Limits(), isolate=True)


def test_deeply_nested_multipart_is_refused_or_read_never_a_crash():
    depth = 3000
    head = b"From: a@b.ee\r\nSubject: sugav\r\nMIME-Version: 1.0\r\n"
    opening = b"".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode() for i in range(depth)
    )
    data = head + opening + b"Content-Type: text/plain\r\n\r\nsees\r\n"
    try:
        result = extract_bytes(data, "sügav.eml", limits=Limits(), isolate=True)
    except DokregError as e:
        assert e.message.startswith("sügav.eml: "), e.message
    else:
        assert result.kind == "eml"
