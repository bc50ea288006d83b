"""Legacy DigiDoc (.ddoc) from DigiDoc4j and DELTA, and plain ZIP archives, real and hostile."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dokreg.errors import Broken, DokregError, Encrypted, TooLarge
from dokreg.extract.kinds import choose
from dokreg.extract.kinds.ddoc import NOTE, DdocExtractor
from dokreg.extract.kinds.zip import ZipExtractor
from dokreg.extract.limits import Limits
from dokreg.extract.runner import extract_bytes, extract_tree

MiB = 1024 * 1024


def _extract(data: bytes, name: str, limits: Limits | None = None):
    return extract_bytes(data, name, limits=limits or Limits(), isolate=False)


@pytest.fixture(scope="module")
def digidoc4j(shared_data) -> Path:
    return shared_data / "ee-digidoc4j-containers"


# --- DDOC ------------------------------------------------------------------------------------------


@pytest.mark.shared
def test_ministry_ddoc_with_two_signers(digidoc4j):
    name = "ddoc_wo_x509IssueName_xmlns.ddoc"
    result = _extract((digidoc4j / "valid-containers" / name).read_bytes(), name)
    assert result.kind == "ddoc"
    assert [c.name for c in result.children] == [
        "Siseministri maaruste muutmise maarus,.pdf",
        "SIM maaruste muutmine seoses VMS-i muutmise....pdf",
        "Maaruse lisa - distsiplinaarmenetluse prot....pdf",
    ]
    assert all(c.data.startswith(b"%PDF-") for c in result.children)
    assert dict(result.metadata) == {"format": "DIGIDOC-XML 1.3", "data_files": "3", "signatures": "2"}
    assert [(s.signer_name, s.signed_at) for s in result.signatures] == [
        ("HANNO PEVKUR", datetime(2015, 3, 26, 13, 31, 56, tzinfo=UTC)),
        ("LEIF KALEV", datetime(2015, 3, 26, 16, 48, 15, tzinfo=UTC)),
    ]
    for signature in result.signatures:
        assert (signature.profile, signature.country) == ("DDOC", "EE")
        assert (signature.digests_valid, signature.value_valid) == (True, None)
        assert signature.note == NOTE
    assert result.warnings == ()


@pytest.mark.shared
def test_delta_ddoc_with_two_text_files(shared_data):
    path = shared_data / "ee-delta-dhs" / "signed-and-office-samples" / "digidocSigned.ddoc"
    result = _extract(path.read_bytes(), path.name)
    assert [c.name for c in result.children] == ["tekstifail-iso-8859-1.txt", "tekstifail-utf-8.txt"]
    (signature,) = result.signatures
    assert signature.signer_name == "ATS UIBOUPIN"
    assert signature.signed_at == datetime(2009, 12, 11, 10, 13, 20, tzinfo=UTC)
    assert signature.digests_valid is True


@pytest.mark.shared
def test_changed_data_file_fails_the_ddoc_digest_check(digidoc4j):
    name = "changed_digidoc_test.ddoc"
    result = _extract((digidoc4j / "invalid-containers" / name).read_bytes(), name)
    (signature,) = result.signatures
    assert signature.signer_name == "MÄRÜ-LÖÖZ ŽÕRINÜWŠKY"
    assert signature.digests_valid is False
    assert signature.note.startswith("data file 'test.txt' does not match its signed digest")


@pytest.mark.shared
def test_one_of_several_ddoc_signatures_fails(digidoc4j):
    name = "one-valid-and-multiple-invalid-signatures.ddoc"
    result = _extract((digidoc4j / "invalid-containers" / name).read_bytes(), name)
    assert [s.digests_valid for s in result.signatures] == [True, False, True, True, True, True, True]


@pytest.mark.shared
def test_path_names_of_ddoc_data_files_are_neutralised(digidoc4j):
    name = "allakirjutatud.fail.ddoc"
    result = _extract((digidoc4j / "invalid-containers" / name).read_bytes(), name)
    assert [c.name for c in result.children] == [
        "allakirjutatud.fail.txt",
        "ryndefail1.txt",
        "ryndefail2.txt",
        "ryndefail3.txt",
        "ryndefail4.txt",
    ]
    assert "unsafe data file name '..\\\\ryndefail1.txt' kept as 'ryndefail1.txt'" in result.warnings


@pytest.mark.shared
def test_detached_data_file_is_noted_not_invented(digidoc4j):
    data = (digidoc4j / "valid-containers" / "ddoc-valid.ddoc").read_bytes()
    detached = data.replace(b'ContentType="EMBEDDED_BASE64"', b'ContentType="DETACHED"', 1)
    result = _extract(detached, "detached.ddoc")
    assert result.children == ()
    assert (
        "detached.ddoc: data file 'test.txt' is DETACHED (its content is not in the container)"
        in result.warnings
    )


@pytest.mark.shared
def test_every_ddoc_extracts_or_fails_with_a_reason(digidoc4j, shared_data):
    paths = [*sorted(digidoc4j.glob("*/*.ddoc")), *sorted((shared_data / "ee-delta-dhs").glob("*/*.ddoc"))]
    assert len(paths) == 25
    failures = {}
    for path in paths:
        try:
            assert _extract(path.read_bytes(), path.name).kind == "ddoc"
        except DokregError as e:
            assert e.message.startswith(f"{path.name}: ")
            failures[path.name] = e.code
    assert failures == {
        "emptyFile.ddoc": "broken",
        "no_signed_doc_no_signature.ddoc": "broken",
        "tooShortToVerifyIfIsZip.ddoc": "broken",
    }


def test_ddoc_with_an_entity_bomb_is_refused_before_parsing():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE SignedDoc [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(f'<!ENTITY a{i} "{"&a;" * 10}">'.encode() for i in range(1, 9))
        + b']><SignedDoc format="DIGIDOC-XML" version="1.3"><DataFile>&a8;</DataFile></SignedDoc>'
    )
    assert isinstance(choose(bomb[:8192], "pomm.ddoc"), DdocExtractor)
    with pytest.raises(Broken, match=r"^pomm.ddoc: XML with a DTD or entity declarations; refused"):
        extract_bytes(bomb, "pomm.ddoc", limits=Limits(), isolate=True)


def test_truncated_ddoc_is_broken():
    with pytest.raises(Broken, match=r"^katki.ddoc: not well-formed XML"):
        _extract(b'<?xml version="1.0"?><SignedDoc format="DIGIDOC-XML"><DataFile Id="D0">YWJj', "katki.ddoc")


# --- ZIP ------------------------------------------------------------------------------------------


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _legacy_name_zip(name: str, encoding: str) -> bytes:
    """A ZIP whose member name is in a DOS/Windows code page without the UTF-8 flag, as old tools write."""
    raw = name.encode(encoding)
    placeholder = b"X" * len(raw)
    data = _zip([(placeholder.decode(), b"sisu")])
    return data.replace(placeholder, raw)


@pytest.mark.parametrize("encoding", ["cp775", "cp1257"])
def test_estonian_member_names_in_legacy_code_pages(encoding):
    result = _extract(_legacy_name_zip("Õiendus ja käskkiri.pdf", encoding), "arhiiv.zip")
    assert [c.name for c in result.children] == ["Õiendus ja käskkiri.pdf"]


def test_members_become_children_and_the_listing_is_the_text():
    result = _extract(_zip([("kaust/kiri.txt", b"Tere"), ("lisa.pdf", b"%PDF-1.4")]), "arhiiv.zip")
    assert result.kind == "zip"
    assert [(c.name, c.data) for c in result.children] == [
        ("kaust/kiri.txt", b"Tere"),
        ("lisa.pdf", b"%PDF-1.4"),
    ]
    assert result.text == "kaust/kiri.txt\nlisa.pdf"
    assert dict(result.metadata) == {"members": "2", "encrypted_members": "0"}


@pytest.mark.filterwarnings("ignore:Duplicate name")  # zipfile warns while we build the hostile archive
def test_path_traversal_and_duplicate_names_are_neutralised_and_kept_apart():
    data = _zip([("../../etc/passwd", b"a"), ("/abs/kiri.txt", b"b"), ("kiri.txt", b"c"), ("kiri.txt", b"d")])
    result = _extract(data, "kuri.zip")
    assert [(c.name, c.data) for c in result.children] == [
        ("etc/passwd", b"a"),
        ("abs/kiri.txt", b"b"),
        ("kiri.txt", b"c"),
        ("kiri (2).txt", b"d"),
    ]
    assert "unsafe member name '../../etc/passwd' kept as 'etc/passwd'" in result.warnings
    assert "duplicate member name 'kiri.txt' kept apart as 'kiri (2).txt'" in result.warnings


def test_zip_bomb_is_refused_before_unpacking():
    with pytest.raises(
        TooLarge, match=r"^pomm.zip: member 'nullid.bin' expands \d+-fold \(limit 200\): a zip bomb$"
    ):
        _extract(_zip([("nullid.bin", bytes(8 * MiB))]), "pomm.zip")


def test_too_many_members_is_refused():
    data = _zip([(f"{i}.txt", b"x") for i in range(30)])
    with pytest.raises(TooLarge, match=r"^palju.zip: 30 members, more than the limit of 20$"):
        _extract(data, "palju.zip", Limits(max_children=20))


def test_nested_zips_stop_at_the_depth_limit():
    data = b"sees"
    name = "sees.txt"
    for level in range(10, 0, -1):
        data, name = _zip([(name, data)]), f"tase{level}.zip"
    node = extract_tree(data, name, Limits(max_depth=5), isolate=False)
    names = []
    while node.children:
        names.append(node.name)
        node = node.children[0]
    assert names == ["tase1.zip", "tase2.zip", "tase3.zip", "tase4.zip", "tase5.zip", "tase6.zip"]
    assert node.error_code == "too_large"
    assert node.error_message == "tase7.zip: nested deeper than 5 levels; not extracted"


def _encrypted_flags(data: bytes) -> bytes:
    """Set the 'encrypted' bit on every member (local headers and central directory)."""
    data = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            data[at + offset] |= 0x01
            start = at + 4
    return bytes(data)


def test_password_protected_members_are_warned_and_an_all_locked_archive_is_encrypted():
    with pytest.raises(Encrypted, match=r"^lukus.zip: every member \(2\) is password-protected$"):
        _extract(_encrypted_flags(_zip([("a.txt", b"a"), ("b.txt", b"b")])), "lukus.zip")


def test_truncated_zip_is_broken():
    data = _zip([("kiri.txt", b"Tere" * 100)])
    with pytest.raises(Broken, match=r"^katki.zip: not a readable ZIP"):
        _extract(data[: len(data) // 2], "katki.zip")


def test_plain_zip_scores_below_signed_containers():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # stored, first: the way ASiC-E writes it
        archive.writestr("mimetype", b"application/vnd.etsi.asic-e+zip")
    head = buffer.getvalue()[:8192]
    assert not isinstance(choose(head, "x.zip"), ZipExtractor)
    assert isinstance(choose(_zip([("a.txt", b"a")])[:8192], "x.bin"), ZipExtractor)


@pytest.mark.shared
def test_real_archives(digidoc4j, shared_data):
    result = _extract((digidoc4j / "special-char-files" / "dds_pakitud.zip").read_bytes(), "dds_pakitud.zip")
    assert [c.name for c in result.children] == ["SK.jpg"]
    assert result.children[0].data.startswith(b"\xff\xd8\xff")
    acp = shared_data / "ee-delta-dhs" / "migration-sim" / "DL2010.acp"  # an Alfresco export is a ZIP
    export = _extract(acp.read_bytes(), acp.name)
    assert export.kind == "zip"
    assert int(dict(export.metadata)["members"]) == len(export.children) > 0
