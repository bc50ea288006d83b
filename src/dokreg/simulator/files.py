"""Real files for simulated documents: PDFs with Estonian text and signed ASiC-E containers, and
(simulator/kinds.py) DOCX, e-mails, DDOC, ZIPs and scans for corpora with a file mix.

Everything is deterministic: reportlab runs in invariant mode, ZIP entries carry the registration
date, the signing key is derived from the corpus seed and ECDSA signs deterministically (RFC 6979),
so the same corpus serves the same bytes. Built files are kept in a small LRU cache because a
benchmark downloads thousands of them and a client may retry.

The signer is a test person with a fake but checksum-valid personal code in the certificate subject,
the way Estonian ID-card certificates carry one: privacy tests check it never reaches a public page.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import importlib.util
import io
import random
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID
from lxml import etree

from dokreg.errors import BadInput
from dokreg.simulator import kinds
from dokreg.simulator.corpus import SimDocument, SimFile

ASICE_MIMETYPE = "application/vnd.etsi.asic-e+zip"
CONTENT_TYPES = {
    "asice": ASICE_MIMETYPE,
    "pdf": "application/pdf",
    "scan": "application/pdf",
    "docx": kinds.DOCX_MIMETYPE,
    "eml": kinds.EML_MIMETYPE,
    "ddoc": kinds.DDOC_MIMETYPE,
    "zip": kinds.ZIP_MIMETYPE,
}
DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
ASIC = "http://uri.etsi.org/02918/v1.2.1#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
CURVE = ec.SECP384R1()  # the curve of Estonian ID cards since 2018
FONT_NAME = "DejaVuSans"
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
_WEIGHTS = ((1, 2, 3, 4, 5, 6, 7, 8, 9, 1), (3, 4, 5, 6, 7, 8, 9, 1, 2, 3))


@dataclass(frozen=True)
class Signer:
    given_name: str
    surname: str
    personal_code: str

    @property
    def common_name(self) -> str:
        return f"{self.surname.upper()},{self.given_name.upper()},{self.personal_code}"


def personal_code_check_digit(first_ten: str) -> int:
    for weights in _WEIGHTS:
        remainder = sum(int(d) * w for d, w in zip(first_ten, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return 0


def make_signer(seed: int) -> Signer:
    """A test signer born in the 1970s-80s with a valid (and fictional) personal code."""
    rng = random.Random(f"{seed}:signer")
    born = datetime(1970, 1, 1) + timedelta(days=rng.randint(0, 365 * 15))
    first_ten = f"{rng.choice('34')}{born:%y%m%d}{rng.randint(0, 999):03d}"
    code = first_ten + str(personal_code_check_digit(first_ten))
    return Signer(rng.choice(("Mari", "Jaan", "Tiiu", "Peeter")), rng.choice(("Tamm", "Saar", "Õunap")), code)


class FileMaker:
    """Builds and caches the bytes of a corpus's files."""

    def __init__(self, seed: int, cache_size: int = 512):
        self.seed = seed
        self.signer = make_signer(seed)
        self._cache: OrderedDict[tuple, bytes] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def content(self, doc: SimDocument, sim_file: SimFile) -> tuple[bytes, str]:
        """The file's bytes and Content-Type."""
        key = (
            doc.body,
            sim_file.file_id,
            sim_file.name,
            sim_file.kind,
            doc.title,
            doc.reference,
            doc.paragraphs,
        )
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key], CONTENT_TYPES[sim_file.kind]
        body = self._build(doc, sim_file)
        with self._lock:
            self._cache[key] = body
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return body, CONTENT_TYPES[sim_file.kind]

    def _build(self, doc: SimDocument, sim_file: SimFile) -> bytes:
        # A file format keeps what it can hold: XML-based ones (DOCX, DDOC, ASiC-E) no control characters.
        doc = _printable(doc)
        if sim_file.name.startswith("Lisa"):
            return make_pdf(f"Lisa 1. {doc.title}", doc.paragraphs[::-1], doc)
        pdf = make_pdf(doc.title, doc.paragraphs, doc)
        if sim_file.kind == "pdf":
            return pdf
        if sim_file.kind == "asice":
            return self.make_asice(doc, pdf)
        return self._other_kind(doc, sim_file, pdf)

    def _other_kind(self, doc: SimDocument, sim_file: SimFile, pdf: bytes) -> bytes:
        if sim_file.kind == "scan":
            return kinds.make_scan(pdf, doc)
        if sim_file.kind == "docx":
            return kinds.make_docx(doc.title, doc.paragraphs, doc)
        if sim_file.kind == "ddoc":
            # Every other container is left unsigned, as registers also publish drafts that way.
            signed = doc.id % 2 == 0
            return kinds.make_ddoc(
                doc,
                _inner_name(doc),
                pdf,
                key=self.key if signed else None,
                certificate=self.certificate if signed else None,
            )
        if sim_file.kind == "eml":
            if doc.id % 2:
                return kinds.make_eml(doc, _inner_name(doc), pdf, "application/pdf")
            word = kinds.make_docx(doc.title, doc.paragraphs, doc)
            return kinds.make_eml(doc, _inner_name(doc)[:-4] + ".docx", word, kinds.DOCX_MIMETYPE)
        if sim_file.kind == "zip":
            notes = "\r\n".join(("Märkused", *doc.paragraphs[:2])).encode("cp1257")  # Notepad, Windows-1257
            return kinds.make_zip(doc, ((_inner_name(doc), pdf), ("Lisa 2. Ülevaade märkustest.txt", notes)))
        raise BadInput(f"simulator: no builder for file kind {sim_file.kind!r}")

    @cached_property
    def key(self) -> ec.EllipticCurvePrivateKey:
        secret = int.from_bytes(hashlib.sha384(f"dokreg-simulator:{self.seed}".encode()).digest(), "big")
        return ec.derive_private_key(secret % (2**383) + 1, CURVE)

    @cached_property
    def certificate(self) -> x509.Certificate:
        """A self-signed certificate shaped like an Estonian ID card's signing certificate."""
        s = self.signer
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "EE"),
                x509.NameAttribute(NameOID.COMMON_NAME, s.common_name),
                x509.NameAttribute(NameOID.SURNAME, s.surname.upper()),
                x509.NameAttribute(NameOID.GIVEN_NAME, s.given_name.upper()),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, f"PNOEE-{s.personal_code}"),
            ]
        )
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(
                int.from_bytes(hashlib.sha256(f"serial:{self.seed}".encode()).digest()[:16], "big")
            )
            .not_valid_before(datetime(2024, 1, 1, tzinfo=UTC))
            .not_valid_after(datetime(2029, 1, 1, tzinfo=UTC))
            .add_extension(
                x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
            )
            .sign(self.key, hashes.SHA256(), ecdsa_deterministic=True)
        )

    def make_asice(self, doc: SimDocument, pdf: bytes) -> bytes:
        """An ASiC-E container: `mimetype` first and stored, the PDF, the manifest, a XAdES signature."""
        inner = _inner_name(doc)
        when = (doc.registered.year, doc.registered.month, doc.registered.day, 9, 0, 0)
        entries = [
            ("mimetype", ASICE_MIMETYPE.encode(), zipfile.ZIP_STORED),
            (inner, pdf, zipfile.ZIP_DEFLATED),
            ("META-INF/manifest.xml", _manifest(inner), zipfile.ZIP_DEFLATED),
            ("META-INF/signatures0.xml", self.signature(doc, inner, pdf), zipfile.ZIP_DEFLATED),
        ]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data, method in entries:
                info = zipfile.ZipInfo(name, date_time=when)
                info.compress_type = method
                archive.writestr(info, data)
        return buffer.getvalue()

    def signature(self, doc: SimDocument, data_name: str, data: bytes) -> bytes:
        """A real XAdES signature over the data file, verifiable with the embedded certificate."""
        sig_id = f"S-{doc.id}"
        root = etree.Element(f"{{{ASIC}}}XAdESSignatures", nsmap={"asic": ASIC})
        signature = etree.SubElement(root, f"{{{DS}}}Signature", nsmap={"ds": DS}, Id=sig_id)
        signed_info = etree.SubElement(signature, f"{{{DS}}}SignedInfo")
        etree.SubElement(signed_info, f"{{{DS}}}CanonicalizationMethod", Algorithm=EXC_C14N)
        etree.SubElement(signed_info, f"{{{DS}}}SignatureMethod", Algorithm=ECDSA_SHA256)
        _reference(
            signed_info, {"Id": "r-id-1", "URI": quote(data_name)}, _b64(hashlib.sha256(data).digest())
        )
        props_ref = _reference(
            signed_info, {"Type": "http://uri.etsi.org/01903#SignedProperties", "URI": f"#{sig_id}-props"}, ""
        )
        value = etree.SubElement(signature, f"{{{DS}}}SignatureValue", Id=f"{sig_id}-value")
        key_info = etree.SubElement(etree.SubElement(signature, f"{{{DS}}}KeyInfo"), f"{{{DS}}}X509Data")
        cert_der = self.certificate.public_bytes(serialization.Encoding.DER)
        etree.SubElement(key_info, f"{{{DS}}}X509Certificate").text = _b64(cert_der)
        props = self._signed_properties(signature, sig_id, doc, cert_der)
        props_ref.find(f"{{{DS}}}DigestValue").text = _b64(hashlib.sha256(_c14n(props)).digest())
        der = self.key.sign(_c14n(signed_info), ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        r, s = decode_dss_signature(der)
        size = (CURVE.key_size + 7) // 8
        value.text = _b64(r.to_bytes(size, "big") + s.to_bytes(size, "big"))  # XML-DSig wants raw r||s
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def _signed_properties(self, signature, sig_id: str, doc: SimDocument, cert_der: bytes):
        obj = etree.SubElement(signature, f"{{{DS}}}Object")
        qualifying = etree.SubElement(
            obj, f"{{{XADES}}}QualifyingProperties", nsmap={"xades": XADES}, Target=f"#{sig_id}"
        )
        props = etree.SubElement(qualifying, f"{{{XADES}}}SignedProperties", Id=f"{sig_id}-props")
        sig_props = etree.SubElement(props, f"{{{XADES}}}SignedSignatureProperties")
        signed_at = datetime.combine(doc.registered, datetime.min.time()) + timedelta(
            hours=8, minutes=doc.id % 480
        )
        etree.SubElement(sig_props, f"{{{XADES}}}SigningTime").text = f"{signed_at:%Y-%m-%dT%H:%M:%S}Z"
        cert = etree.SubElement(
            etree.SubElement(sig_props, f"{{{XADES}}}SigningCertificate"), f"{{{XADES}}}Cert"
        )
        digest = etree.SubElement(cert, f"{{{XADES}}}CertDigest")
        etree.SubElement(digest, f"{{{DS}}}DigestMethod", Algorithm=SHA256)
        etree.SubElement(digest, f"{{{DS}}}DigestValue").text = _b64(hashlib.sha256(cert_der).digest())
        issuer_serial = etree.SubElement(cert, f"{{{XADES}}}IssuerSerial")
        etree.SubElement(
            issuer_serial, f"{{{DS}}}X509IssuerName"
        ).text = self.certificate.issuer.rfc4514_string()
        etree.SubElement(issuer_serial, f"{{{DS}}}X509SerialNumber").text = str(
            self.certificate.serial_number
        )
        data_props = etree.SubElement(props, f"{{{XADES}}}SignedDataObjectProperties")
        data_format = etree.SubElement(data_props, f"{{{XADES}}}DataObjectFormat", ObjectReference="#r-id-1")
        etree.SubElement(data_format, f"{{{XADES}}}MimeType").text = "application/pdf"
        return props


_NOT_IN_FILES = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r") | {0x7F: None}


def _printable(doc: SimDocument) -> SimDocument:
    """``doc`` with control characters dropped from its text (the hostile corpus puts them everywhere)."""
    fields = ("title", "reference", "doc_type", "correspondent", "responsible", "function", "series")
    changes = {name: getattr(doc, name).translate(_NOT_IN_FILES) for name in fields}
    changes["paragraphs"] = tuple(p.translate(_NOT_IN_FILES) for p in doc.paragraphs)
    return dataclasses.replace(doc, **changes)


def make_pdf(title: str, paragraphs: tuple[str, ...], doc: SimDocument) -> bytes:
    """A one-page letter: header, title and paragraphs in a font with every Estonian letter."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    font = _font()
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    page.setTitle(title)
    width, height = A4
    y = height - 72
    lines = [(font, 9, f"{doc.reference}   {doc.registered:%d.%m.%Y}"), (font, 14, title), (font, 10, "")]
    lines += [
        (font, 10, line) for text in paragraphs for line in simpleSplit(text, font, 10, width - 144) + [""]
    ]
    lines.append((font, 10, doc.responsible.split(" (")[0]))
    for face, size, text in lines:
        page.setFont(face, size)
        page.drawString(72, y, text)
        y -= size * 1.5
    page.showPage()
    page.save()
    return buffer.getvalue()


_font_lock = threading.Lock()
_font_name: str | None = None


def _font() -> str:
    """Register DejaVu Sans once (system copy, else matplotlib's); Helvetica still covers WinAnsi letters."""
    global _font_name
    with _font_lock:
        if _font_name is None:
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            path = next((p for p in (*FONT_CANDIDATES, _matplotlib_font()) if p and p.is_file()), None)
            if path is None:
                _font_name = "Helvetica"
            else:
                pdfmetrics.registerFont(TTFont(FONT_NAME, str(path)))
                _font_name = FONT_NAME
        return _font_name


def _matplotlib_font() -> Path | None:
    spec = importlib.util.find_spec("matplotlib")  # found without importing matplotlib itself
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"


def _inner_name(doc: SimDocument) -> str:
    safe = "".join(c for c in doc.title[:60] if c not in '/\\:*?"<>|').strip() or "dokument"
    return f"{safe}.pdf"


def _manifest(inner: str) -> bytes:
    ns = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
    root = etree.Element(f"{{{ns}}}manifest", nsmap={"manifest": ns})
    for path, media_type in (("/", ASICE_MIMETYPE), (inner, "application/pdf")):
        etree.SubElement(
            root, f"{{{ns}}}file-entry", {f"{{{ns}}}full-path": path, f"{{{ns}}}media-type": media_type}
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _reference(signed_info, attributes: dict[str, str], digest: str):
    reference = etree.SubElement(signed_info, f"{{{DS}}}Reference", attributes)
    if attributes.get("Type"):
        transforms = etree.SubElement(reference, f"{{{DS}}}Transforms")
        etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=EXC_C14N)
    etree.SubElement(reference, f"{{{DS}}}DigestMethod", Algorithm=SHA256)
    etree.SubElement(reference, f"{{{DS}}}DigestValue").text = digest
    return reference


def _c14n(element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=True)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
