"""XAdES signatures of ASiC-E / BDOC containers: who signed, when, and an offline check.

The check is our own, over the container's actual bytes: every data-file reference is re-hashed
(pyasice, measured, never re-hashes data files and passed a tampered container), the SignedProperties
reference is re-hashed, and the SignatureValue is verified with the signer certificate's key over the
canonicalised SignedInfo. Certificate chain, OCSP and timestamps need the network and trust lists, so
they are not checked here and the note says so.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID
from lxml import etree

from dokreg.extract.types import SignatureInfo

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
NS = {"ds": DS, "xades": XADES}
NOT_CHECKED = "certificate chain, OCSP and timestamp not checked: no network"
# BDOC 2.1 time-mark policy: the OCSP response itself is the proof of time (no timestamp).
BDOC_TM_POLICY = "urn:oid:1.3.6.1.4.1.10015.1000.3.2.1"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"

_DIGESTS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmldsig-more#sha224": "sha224",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
_HASHES = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
# SignatureMethod URI → (key type, hash, RSA padding); "pss" for RSASSA-PSS (RFC 6931).
_SIGNATURE_METHODS = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": ("rsa", "sha1", "pkcs1"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha224": ("rsa", "sha224", "pkcs1"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": ("rsa", "sha256", "pkcs1"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": ("rsa", "sha384", "pkcs1"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": ("rsa", "sha512", "pkcs1"),
    "http://www.w3.org/2007/05/xmldsig-more#sha224-rsa-MGF1": ("rsa", "sha224", "pss"),
    "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1": ("rsa", "sha256", "pss"),
    "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1": ("rsa", "sha384", "pss"),
    "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1": ("rsa", "sha512", "pss"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1": ("ec", "sha1", ""),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha224": ("ec", "sha224", ""),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": ("ec", "sha256", ""),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": ("ec", "sha384", ""),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": ("ec", "sha512", ""),
}
# Canonicalisation URI → (exclusive, with comments). C14N 1.1 equals 1.0 for documents without
# xml:id / xml:base fix-ups, which XAdES signatures do not use.
_C14N = {
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315": (False, False),
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments": (False, True),
    "http://www.w3.org/2006/12/xml-c14n11": (False, False),
    "http://www.w3.org/2006/12/xml-c14n11#WithComments": (False, True),
    "http://www.w3.org/2001/10/xml-exc-c14n#": (True, False),
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments": (True, True),
}
_SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False
)


class SignatureFileError(ValueError):
    """A signatures*.xml that is not well-formed XML or has no usable ds:Signature."""


def read_signatures(
    xml: bytes, data_files: Mapping[str, Sequence[bytes]]
) -> tuple[list[SignatureInfo], list[str]]:
    """Every ds:Signature in one signatures*.xml, checked against ``data_files`` (name → contents;
    more than one content when the container holds same-named files). Returns signatures and warnings.
    """
    try:
        root = etree.fromstring(xml, _SAFE_PARSER)
    except etree.XMLSyntaxError as e:
        raise SignatureFileError(f"not well-formed XML ({e})") from e
    signatures = root.findall(".//ds:Signature", NS) if _local(root.tag) != "Signature" else [root]
    if not signatures:
        raise SignatureFileError("no ds:Signature element")
    results: list[SignatureInfo] = []
    warnings: list[str] = []
    for signature in signatures:
        info, problems = _read_signature(signature, data_files)
        results.append(info)
        warnings.extend(problems)
    return results, warnings


def _read_signature(
    signature: etree._Element, data_files: Mapping[str, Sequence[bytes]]
) -> tuple[SignatureInfo, list[str]]:
    who = signer_of(signature)
    digests_valid, digest_problems = _check_data_references(signature, data_files)
    value_valid, value_problem = _check_value(signature, who.certificate)
    problems = [*digest_problems, *([value_problem] if value_problem else [])]
    note = "; ".join([*problems, NOT_CHECKED])
    info = SignatureInfo(
        signer_name=who.name or "(no signer certificate)",
        personal_code=who.personal_code,
        role=", ".join(_texts(signature, ".//xades:ClaimedRole")),
        country=who.country,
        issuer=who.issuer,
        signed_at=_signing_time(signature),
        profile=_profile(signature),
        value_valid=value_valid,
        digests_valid=digests_valid,
        note=note,
    )
    signer = who.name or "unknown signer"
    return info, [f"signature of {signer}: {p}" for p in problems]


# --- who and when -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Signer:
    """Who signed, from the certificate in the signature's KeyInfo; blanks when it has none."""

    certificate: x509.Certificate | None
    name: str = ""
    personal_code: str = ""
    country: str = ""
    issuer: str = ""


def signer_of(signature: etree._Element) -> Signer:
    """The signer of an XML signature (ASiC-E's XAdES or DigiDoc's DDOC: the same X509 reading)."""
    cert = _signer_certificate(signature)
    return Signer(cert, *_subject(cert)) if cert is not None else Signer(None)


def _signer_certificate(signature: etree._Element) -> x509.Certificate | None:
    text = signature.findtext("ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=NS)
    if not text:
        return None
    try:
        return x509.load_der_x509_certificate(base64.b64decode("".join(text.split())))
    except (ValueError, binascii.Error):
        return None


def _subject(cert: x509.Certificate) -> tuple[str, str, str, str]:
    """(signer name, personal code, country, issuer CN) from an Estonian-style certificate subject.

    ID-card certificates carry GIVENNAME and SURNAME (and older ones CN "SURNAME,GIVENNAME,CODE");
    e-seals of institutions carry only a CN, which is then the name.
    """
    subject = cert.subject
    given = _attr(subject, NameOID.GIVEN_NAME)
    surname = _attr(subject, NameOID.SURNAME)
    cn = _attr(subject, NameOID.COMMON_NAME)
    cn_parts = [p.strip() for p in cn.split(",")]
    if given or surname:
        name = " ".join(p for p in (given, surname) if p)
    elif len(cn_parts) >= 2:
        name = f"{cn_parts[1]} {cn_parts[0]}"
    else:
        name = cn
    serial = _attr(subject, NameOID.SERIAL_NUMBER)
    code = serial.split("-", 1)[1] if serial.upper().startswith("PNO") and "-" in serial else ""
    if not code and len(cn_parts) == 3 and cn_parts[2].isdigit():
        code = cn_parts[2]
    if not code and serial.isdigit() and len(serial) == 11:
        code = serial
    return name, code, _attr(subject, NameOID.COUNTRY_NAME), _attr(cert.issuer, NameOID.COMMON_NAME)


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value).strip() if values else ""


def _signing_time(signature: etree._Element) -> datetime | None:
    text = (signature.findtext(".//xades:SigningTime", namespaces=NS) or "").strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def _profile(signature: etree._Element) -> str:
    """The signature level, read from which unsigned properties are present."""
    unsigned = signature.find(".//xades:UnsignedSignatureProperties", NS)
    present = {_local(child.tag) for child in unsigned} if unsigned is not None else set()
    has_revocation = bool(present & {"RevocationValues", "CompleteRevocationRefs"})
    if "SignatureTimeStamp" not in present:
        policy = [p.strip() for p in _texts(signature, ".//xades:SigPolicyId/xades:Identifier")]
        if has_revocation and BDOC_TM_POLICY in policy:
            return "LT_TM"
        return "EPES" if policy else "BES"
    if "ArchiveTimeStamp" in present:
        return "LTA"
    return "LT" if has_revocation else "T"


def _texts(element: etree._Element, path: str) -> list[str]:
    return [(e.text or "").strip() for e in element.findall(path, NS) if (e.text or "").strip()]


# --- the offline check ---------------------------------------------------------------------------


def _check_data_references(
    signature: etree._Element, data_files: Mapping[str, Sequence[bytes]]
) -> tuple[bool, list[str]]:
    """Re-hash every data file the signature refers to; also require that it covers every data file."""
    problems: list[str] = []
    covered: set[str] = set()
    for ref in signature.findall("ds:SignedInfo/ds:Reference", NS):
        uri = ref.get("URI", "")
        if ref.get("Type") == SIGNED_PROPERTIES_TYPE or uri.startswith("#"):
            continue
        name = unquote(uri)
        covered.add(name)
        contents = data_files.get(name)
        if contents is None:
            problems.append(f"refers to {uri!r}, which is not in the container")
        elif len(contents) > 1:
            problems.append(f"refers to {name!r}, which the container holds {len(contents)} times")
        elif not _digest_matches(ref, contents[0]):
            problems.append(f"data file {name!r} does not match its signed digest (changed after signing)")
    problems.extend(f"does not cover data file {name!r}" for name in sorted(set(data_files) - covered))
    if not covered:
        problems.append("signs no data file")
    return not problems, problems


def _digest_matches(ref: etree._Element, data: bytes) -> bool:
    algorithm = _DIGESTS.get(_algorithm(ref, "ds:DigestMethod"))
    expected = "".join((ref.findtext("ds:DigestValue", namespaces=NS) or "").split())
    if algorithm is None or not expected:
        return False
    try:
        return hashlib.new(algorithm, data).digest() == base64.b64decode(expected)
    except (ValueError, binascii.Error):
        return False


def _check_value(signature: etree._Element, cert: x509.Certificate | None) -> tuple[bool | None, str]:
    """Verify SignatureValue over the canonical SignedInfo, and the SignedProperties digest it signs."""
    if cert is None:
        return None, "no signer certificate in the signature, value not checked"
    signed_info = signature.find("ds:SignedInfo", NS)
    value_text = signature.findtext("ds:SignatureValue", namespaces=NS)
    if signed_info is None or not value_text:
        return False, "no SignedInfo or SignatureValue"
    method = _SIGNATURE_METHODS.get(_algorithm(signed_info, "ds:SignatureMethod"))
    c14n = _C14N.get(_algorithm(signed_info, "ds:CanonicalizationMethod"))
    if method is None or c14n is None:
        return None, "signature or canonicalisation method not supported, value not checked"
    try:
        value = base64.b64decode("".join(value_text.split()))
    except (ValueError, binascii.Error):
        return False, "SignatureValue is not base64"
    try:
        key = cert.public_key()
    except ValueError as e:
        return None, f"signer certificate key cannot be read ({e.__class__.__name__}), value not checked"
    if not _verify(key, method, value, _canonical(signed_info, c14n)):
        return False, "signature value does not verify with the signer's certificate"
    if not _signed_properties_intact(signature, signed_info):
        return False, "signed properties (signing time, certificate, role) changed after signing"
    return True, ""


def _verify(key: object, method: tuple[str, str, str], value: bytes, message: bytes) -> bool:
    key_type, hash_name, rsa_padding = method
    hash_algorithm = _HASHES[hash_name]()
    try:
        if key_type == "rsa" and isinstance(key, rsa.RSAPublicKey):
            pad = (
                padding.PSS(mgf=padding.MGF1(hash_algorithm), salt_length=padding.PSS.AUTO)
                if rsa_padding == "pss"
                else padding.PKCS1v15()
            )
            key.verify(value, message, pad, hash_algorithm)
            return True
        if key_type == "ec" and isinstance(key, ec.EllipticCurvePublicKey):
            # XML-DSig carries ECDSA as raw r||s (RFC 4050), cryptography wants DER.
            half = len(value) // 2
            der = encode_dss_signature(
                int.from_bytes(value[:half], "big"), int.from_bytes(value[half:], "big")
            )
            key.verify(der, message, ec.ECDSA(hash_algorithm))
            return True
    except InvalidSignature:
        return False
    return False


def _signed_properties_intact(signature: etree._Element, signed_info: etree._Element) -> bool:
    for ref in signed_info.findall("ds:Reference", NS):
        uri = ref.get("URI", "")
        if ref.get("Type") != SIGNED_PROPERTIES_TYPE and not uri.startswith("#"):
            continue
        target = [e for e in signature.iter() if isinstance(e.tag, str) and e.get("Id") == uri[1:]]
        if len(target) != 1:
            return False
        transforms = [t.get("Algorithm", "") for t in ref.findall("ds:Transforms/ds:Transform", NS)]
        c14n = _C14N.get(transforms[-1]) if transforms else (False, False)
        if c14n is None or not _digest_matches(ref, _canonical(target[0], c14n)):
            return False
    return True


def _canonical(element: etree._Element, c14n: tuple[bool, bool]) -> bytes:
    exclusive, with_comments = c14n
    return etree.tostring(element, method="c14n", exclusive=exclusive, with_comments=with_comments)


def _algorithm(parent: etree._Element, path: str) -> str:
    element = parent.find(path, NS)
    return element.get("Algorithm", "") if element is not None else ""


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
