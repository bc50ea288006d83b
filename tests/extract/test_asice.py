"""Signed containers: real ASiC-E/BDOC from registers and the DigiDoc4j test suite, and hostile ones we build."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from dokreg.errors import Broken, TooLarge
from dokreg.extract.kinds.asice import ASIC_E, AsiceExtractor
from dokreg.extract.limits import Limits
from dokreg.extract.runner import extract_bytes
from dokreg.privacy.personal_codes import is_personal_code

MiB = 1024 * 1024
LETTER = "8-22262 20.03.2024 Väljaminev kiri.asice"
LETTER_PDF = "Vabariigi valitsuse määruse Tervisekassa tervishoiuteenuste loetelu eelnõu kooskõlastamine.pdf"


def _extract(data: bytes, name: str, limits: Limits | None = None):
    return extract_bytes(data, name, limits=limits or Limits(), isolate=False)


def _container(members: list[tuple[str, bytes]], mimetype: bytes = ASIC_E.encode()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # stored, first, as ASiC requires
        for name, data in members:
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _flip_byte(offset: int) -> Callable[[bytes], bytes]:
    return lambda content: content[:offset] + bytes([content[offset] ^ 0xFF]) + content[offset + 1 :]


def _tampered(data: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The same container with one member changed (the ZIP is rebuilt, so its CRCs stay consistent)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == member:
                content = change(content)
            target.writestr(info, content)
    return buffer.getvalue()


# --- real containers from registers ------------------------------------------------------------


@pytest.mark.shared
def test_government_order_container(fixtures_dir):
    result = _extract((fixtures_dir / "50k.asice").read_bytes(), "50k.asice")
    assert result.kind == "asice"
    assert [c.name for c in result.children] == ["50k.pdf"]
    assert result.children[0].data.startswith(b"%PDF-")
    assert result.warnings == ()
    (signature,) = result.signatures
    assert signature.signer_name == "Riigikantselei: dokumendi kinnitamine"  # an e-seal, not a person
    assert signature.personal_code == ""
    assert signature.issuer == "KLASS3-SK 2016"
    assert signature.signed_at == datetime(2024, 2, 27, 9, 44, 20, tzinfo=UTC)
    assert signature.profile == "LT"
    assert signature.digests_valid is True
    assert signature.value_valid is True
    assert signature.note == "certificate chain, OCSP and timestamp not checked: no network"


@pytest.mark.shared
def test_ministry_letter_keeps_estonian_letters_and_signer(fixtures_dir):
    result = _extract((fixtures_dir / "dir1" / LETTER).read_bytes(), LETTER)
    assert [c.name for c in result.children] == [LETTER_PDF]
    assert dict(result.metadata) == {"mimetype": ASIC_E, "data_files": "1", "signatures": "1"}
    (signature,) = result.signatures
    assert signature.signer_name == "KALLE LAANET"
    assert signature.country == "EE"
    assert signature.issuer == "EID-SK 2016"
    has_code = is_personal_code(signature.personal_code)  # checked, never printed
    assert has_code
    assert signature.signed_at == datetime(2024, 3, 20, 11, 42, 15, tzinfo=UTC)
    assert (signature.value_valid, signature.digests_valid) == (True, True)


@pytest.mark.shared
def test_changed_byte_in_a_data_file_is_caught(fixtures_dir, tmp_path):
    original = (fixtures_dir / "dir1" / LETTER).read_bytes()
    tampered_path = tmp_path / LETTER
    tampered_path.write_bytes(_tampered(original, LETTER_PDF, _flip_byte(5000)))
    result = _extract(tampered_path.read_bytes(), LETTER)
    (signature,) = result.signatures
    assert signature.digests_valid is False
    assert signature.value_valid is True  # the signature itself is intact; the file is not
    assert f"data file {LETTER_PDF!r} does not match its signed digest" in signature.note
    assert any("does not match its signed digest" in w for w in result.warnings)


@pytest.mark.shared
def test_changed_signing_time_breaks_the_signature_value(fixtures_dir):
    original = (fixtures_dir / "50k.asice").read_bytes()
    backdated = _tampered(
        original,
        "META-INF/signatures0.xml",
        lambda xml: xml.replace(b"2024-02-27T09:44:20Z", b"2021-02-27T09:44:20Z"),
    )
    result = _extract(backdated, "50k.asice")
    (signature,) = result.signatures
    assert signature.signed_at == datetime(2021, 2, 27, 9, 44, 20, tzinfo=UTC)
    assert signature.value_valid is False
    assert signature.digests_valid is True
    assert "signed properties (signing time, certificate, role) changed after signing" in signature.note


# --- DigiDoc4j's valid and invalid containers --------------------------------------------------


@pytest.fixture(scope="module")
def digidoc4j(shared_data):
    return shared_data / "ee-digidoc4j-containers"


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "signer", "profile"),
    [
        ("valid-asice.asice", "MÄRÜ-LÖÖZ ŽÕRINÜWŠKY", "LT"),
        ("valid-asice-esteid2018.asice", "JAAK-KRISTJAN JÕEORG", "LT"),  # ECDSA, raw r||s
        ("valid-asice-lta.asice", "MÄRÜ-LÖÖZ ŽÕRINÜWŠKY", "LTA"),
        ("signature-level-T.asice", "JAAK-KRISTJAN JÕEORG", "T"),
        ("PSS-signature.asice", "MÄRÜ-LÖÖZ ŽÕRINÜWŠKY", "LT"),
        ("valid-bdoc-tm.bdoc", "MÄRÜ-LÖÖZ ŽÕRINÜWŠKY", "LT_TM"),
        ("bdoc-with-b-epes-signature.bdoc", "MÄRÜ-LÖÖZ ŽÕRINÜWŠKY", "EPES"),
    ],
)
def test_valid_containers_verify(digidoc4j, name, signer, profile):
    result = _extract((digidoc4j / "valid-containers" / name).read_bytes(), name)
    assert result.signatures, name
    for signature in result.signatures:
        assert signature.signer_name == signer
        assert signature.profile == profile
        assert (signature.value_valid, signature.digests_valid) == (True, True), signature.note


@pytest.mark.shared
def test_valid_test_signers_personal_code_comes_from_the_certificate(digidoc4j):
    # A TEST certificate of the fictional person; old-style CN "SURNAME,GIVENNAME,CODE".
    result = _extract(
        (digidoc4j / "valid-containers" / "valid-bdoc-tm.bdoc").read_bytes(), "valid-bdoc-tm.bdoc"
    )
    assert result.signatures[0].personal_code == "11404176865"


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("invalid-data-file.bdoc", "data file 'test.txt' does not match its signed digest"),
        ("signature_does_not_cover_datafile.asice", "does not cover data file 'test.txt'"),
        (
            "space-in-datafile-name-encoded-as-plus-in-signature.asice",
            "refers to 'Faili+nimi.txt', which is not in",
        ),
        ("datafile-name-in-signature-contains-path-separator.asice", "which is not in the container"),
        ("22902_data_files_with_same_names.bdoc", "which the container holds 2 times"),
    ],
)
def test_invalid_containers_fail_the_digest_check_with_the_reason(digidoc4j, name, reason):
    result = _extract((digidoc4j / "invalid-containers" / name).read_bytes(), name)
    assert any(s.digests_valid is False and reason in s.note for s in result.signatures), [
        s.note for s in result.signatures
    ]


@pytest.mark.shared
def test_one_of_two_signatures_has_changed_signed_properties(digidoc4j):
    name = "two_signatures_one_invalid.bdoc"
    result = _extract((digidoc4j / "invalid-containers" / name).read_bytes(), name)
    assert [s.value_valid for s in result.signatures] == [True, False]
    assert (
        "signed properties (signing time, certificate, role) changed after signing"
        in result.signatures[1].note
    )


@pytest.mark.shared
def test_same_named_data_files_are_kept_apart(digidoc4j):
    name = "22902_data_files_with_same_names.bdoc"
    result = _extract((digidoc4j / "invalid-containers" / name).read_bytes(), name)
    assert [c.name for c in result.children] == [
        "SK-JDD-PRG-GUIDE-20130122_loplik.docx",
        "SK-JDD-PRG-GUIDE-20130122_loplik (2).docx",
    ]
    assert "2 data files named 'SK-JDD-PRG-GUIDE-20130122_loplik.docx': kept apart" in result.warnings


@pytest.mark.shared
def test_gigabyte_zip_bomb_is_refused_before_unpacking(digidoc4j):
    name = "zip-bomb-package-zip-1gb.bdoc"
    with pytest.raises(TooLarge, match="members would unpack to 1073752241 bytes"):
        _extract((digidoc4j / "invalid-containers" / name).read_bytes(), name)


@pytest.mark.shared
def test_every_digidoc4j_container_gives_a_result_or_a_named_error(digidoc4j):
    """Robustness: 190 real, often deliberately broken containers; none may crash the extractor."""
    seen = 0
    for path in sorted(digidoc4j.glob("*-containers/*")):
        seen += 1
        try:
            _extract(path.read_bytes(), path.name)
        except (Broken, TooLarge) as error:
            assert path.name in error.message
        except Exception as error:  # the named errors of other kinds are fine too
            assert getattr(error, "code", None) in {"unsupported", "encrypted"}, (path.name, error)
    assert seen > 150


# --- hostile containers we build ----------------------------------------------------------------


def test_highly_compressible_member_is_a_zip_bomb():
    data = _container([("a.pdf", b"\0" * (4 * MiB))])
    with pytest.raises(TooLarge, match=r"member 'a.pdf' expands \d+-fold \(limit 200\): a zip bomb"):
        _extract(data, "pomm.asice")


def test_expanded_size_over_the_limit_is_refused():
    data = _container([("a.txt", b"x" * 600_000), ("b.txt", b"y" * 600_000)])
    with pytest.raises(TooLarge, match="more than the limit of 1000000"):
        _extract(data, "suur.asice", Limits(max_expanded_bytes=1_000_000))


def test_too_many_members_are_refused():
    data = _container([(f"{i}.txt", b"x") for i in range(20)])
    with pytest.raises(TooLarge, match="21 members, more than the limit of 10"):
        _extract(data, "palju.asice", Limits(max_children=10))


def test_path_traversal_and_absolute_names_are_neutralised_and_reported():
    data = _container([("../../etc/cron.d/x.txt", b"a"), ("/abs/y.txt", b"b"), ("C:\\z.txt", b"c")])
    result = _extract(data, "kuri.asice")
    assert [c.name for c in result.children] == ["etc/cron.d/x.txt", "abs/y.txt", "z.txt"]
    assert "unsafe member name '../../etc/cron.d/x.txt' kept as 'etc/cron.d/x.txt'" in result.warnings
    assert "kuri.asice: no signatures (META-INF/signatures*.xml missing)" in result.warnings


def test_not_well_formed_signature_file_is_a_warning_not_a_crash():
    data = _container([("a.txt", b"a"), ("META-INF/signatures0.xml", b"<ds:Signature")])
    result = _extract(data, "katki.asice")
    assert result.signatures == ()
    assert any(w.startswith("META-INF/signatures0.xml: not well-formed XML") for w in result.warnings)


def test_xml_entity_expansion_is_not_performed():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><r>&c;</r>'
    )
    data = _container([("a.txt", b"a"), ("META-INF/signatures0.xml", bomb)])
    result = _extract(data, "olemid.asice")
    assert result.signatures == ()
    assert "META-INF/signatures0.xml: no ds:Signature element" in result.warnings


def test_truncated_container_is_broken():
    data = _container([("a.txt", b"some text " * 1000)])
    with pytest.raises(Broken, match="poolik.asice: not a readable ZIP container"):
        _extract(data[: len(data) // 2], "poolik.asice")


def test_sniff_prefers_the_mimetype_entry_over_the_name():
    data = _container([("a.txt", b"a")])
    assert AsiceExtractor().sniff(data[:4096], "whatever.zip") == 100
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("a.txt", b"a")
    assert AsiceExtractor().sniff(plain_zip.getvalue(), "x.bdoc") == 60
    assert AsiceExtractor().sniff(plain_zip.getvalue(), "x.zip") is None
    assert AsiceExtractor().sniff(b"%PDF-1.4", "x.asice") is None
