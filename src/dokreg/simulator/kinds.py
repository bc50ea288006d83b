"""The other file kinds registers publish, built around a document's letter PDF.

Clerks upload what they have: Word files, e-mails saved from Outlook, legacy DigiDoc containers
from before 2015, ZIPs made with Windows Explorer and paper letters run through the office
scanner. Each builder here makes one of those the way the real tool would, deterministically: ZIP
entries and PDF dates carry the registration date, MIME boundaries and message ids come from the
document id, and nothing reads the clock.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from dokreg.simulator.corpus import SimDocument

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DDOC_MIMETYPE = "application/x-ddoc"
EML_MIMETYPE = "message/rfc822"
ZIP_MIMETYPE = "application/zip"
DIGIDOC_NS = "http://www.sk.ee/DigiDoc/v1.3.0#"
DS = "http://www.w3.org/2000/09/xmldsig#"
XADES_111 = "http://uri.etsi.org/01903/v1.1.1#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
# The role every simulated DDOC signature claims, so nobody mistakes it for a real one.
TEST_SIGNATURE_ROLE = "Testallkiri (dokreg simulaator), ei ole kehtiv allkiri"
# A ZIP member's name as Estonian Windows Explorer writes it: the DOS Baltic code page, no UTF-8 flag.
EXPLORER_CODEPAGE = "cp775"
SCAN_DPI = 200
_TALLINN = timezone(timedelta(hours=2))  # winter time: the simulated corpus starts in December


def make_docx(title: str, paragraphs: tuple[str, ...], doc: SimDocument) -> bytes:
    """A Word document (python-docx's default template) with the letter's heading and paragraphs."""
    import docx  # python-docx; imported here because only DOCX files need it

    document = docx.Document()
    core = document.core_properties
    core.title, core.author, core.last_modified_by = title, _person(doc), _person(doc)
    core.created = core.modified = _registered_at(doc).astimezone(UTC).replace(tzinfo=None)
    core.revision = 1
    document.add_paragraph(f"{doc.reference}   {doc.registered:%d.%m.%Y}")
    document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    document.add_paragraph(_person(doc))
    buffer = io.BytesIO()
    document.save(buffer)
    return _zip_dated(buffer.getvalue(), doc)


def make_eml(doc: SimDocument, attachment_name: str, attachment: bytes, content_type: str) -> bytes:
    """A letter as Outlook saves it: Estonian subject and sender, plain text, the document attached."""
    sender_domain = f"{doc.body}.ee"
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = f"{_person(doc)} <{_mailbox(_person(doc))}@{sender_domain}>"
    message["To"] = f"Dokumendihaldus <dokumendihaldus@{sender_domain}>"
    message["Subject"] = doc.title
    message["Date"] = format_datetime(_registered_at(doc))
    message["Message-ID"] = f"<{doc.id}.{doc.reference.replace('/', '.')}@{sender_domain}>"
    body = "\n\n".join(("Tere", *doc.paragraphs, f"Lugupidamisega\n{_person(doc)}"))
    message.set_content(body, charset="utf-8")
    maintype, subtype = content_type.split("/", 1)
    message.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=attachment_name)
    message.set_boundary(f"----=_NextPart_{doc.id:012d}")  # the default boundary is random
    return message.as_bytes(policy=policy.SMTP)


def make_zip(doc: SimDocument, members: tuple[tuple[str, bytes], ...]) -> bytes:
    """A ZIP from Windows Explorer's "Send to → Compressed folder": cp775 names, no UTF-8 flag."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = _ExplorerZipInfo(name, date_time=_zip_time(doc))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def make_scan(pdf: bytes, doc: SimDocument) -> bytes:
    """The letter printed and scanned: each page a greyscale JPEG in a PDF with no text layer."""
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(pdf)
    try:
        pictures = []
        for page in source:
            try:
                bitmap = page.render(scale=SCAN_DPI / 72, grayscale=True)
                pictures.append(bitmap.to_pil().convert("L"))
                bitmap.close()
            finally:
                page.close()
    finally:
        source.close()
    registered = _registered_at(doc).astimezone(UTC).timetuple()
    buffer = io.BytesIO()
    pictures[0].save(
        buffer,
        "PDF",
        resolution=SCAN_DPI,
        save_all=True,
        append_images=pictures[1:],
        title=f"Scan {doc.registered:%Y-%m-%d}",
        producer="dokreg simulaator (skanner)",
        creationDate=registered,  # Pillow writes the current time unless told
        modDate=registered,
    )
    return buffer.getvalue()


def make_ddoc(
    doc: SimDocument,
    data_name: str,
    data: bytes,
    *,
    key: ec.EllipticCurvePrivateKey | None,
    certificate: x509.Certificate | None,
) -> bytes:
    """A DIGIDOC-XML 1.3 container with one base64 data file.

    With a key it carries a TEST signature: the data file's digest is right (DDOC takes it over the
    canonical <DataFile> element), the value is ECDSA over SignedInfo by the simulator's fictional
    signer, and the claimed role says it is a test. Without a key the container is unsigned.
    """
    root = etree.Element(f"{{{DIGIDOC_NS}}}SignedDoc", nsmap={None: DIGIDOC_NS})
    root.set("format", "DIGIDOC-XML")
    root.set("version", "1.3")
    data_file = etree.SubElement(
        root,
        f"{{{DIGIDOC_NS}}}DataFile",
        ContentType="EMBEDDED_BASE64",
        Filename=data_name,
        Id="D0",
        MimeType="application/pdf",
        Size=str(len(data)),
    )
    data_file.text = _b64_lines(data)
    if key is not None and certificate is not None:
        root.append(_ddoc_signature(doc, data_file, key, certificate))
    comment = etree.Comment(" dokreg simulaator: testkonteiner, allkiri (kui on) ei ole kehtiv ")
    root.addprevious(comment)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def _ddoc_signature(
    doc: SimDocument,
    data_file: etree._Element,
    key: ec.EllipticCurvePrivateKey,
    certificate: x509.Certificate,
) -> etree._Element:
    signature = etree.Element(f"{{{DS}}}Signature", nsmap={None: DS}, Id="S0")
    signed_info = etree.SubElement(signature, f"{{{DS}}}SignedInfo")
    etree.SubElement(signed_info, f"{{{DS}}}CanonicalizationMethod", Algorithm=C14N)
    etree.SubElement(
        signed_info,
        f"{{{DS}}}SignatureMethod",
        Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    )
    data_digest = hashlib.sha1(etree.tostring(data_file, method="c14n")).digest()
    _sha1_reference(signed_info, "#D0", data_digest)
    props_reference = _sha1_reference(signed_info, "#S0-SignedProperties", b"")
    props_reference.set("Type", f"{XADES_111}SignedProperties")
    value = etree.SubElement(signature, f"{{{DS}}}SignatureValue", Id="S0-SIG")
    cert_der = certificate.public_bytes(serialization.Encoding.DER)
    x509_data = etree.SubElement(etree.SubElement(signature, f"{{{DS}}}KeyInfo"), f"{{{DS}}}X509Data")
    etree.SubElement(x509_data, f"{{{DS}}}X509Certificate").text = _b64_lines(cert_der)
    props = _ddoc_signed_properties(signature, doc, cert_der)
    props_reference.find(f"{{{DS}}}DigestValue").text = _b64(
        hashlib.sha1(etree.tostring(props, method="c14n")).digest()
    )
    der = key.sign(
        etree.tostring(signed_info, method="c14n"), ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
    )
    value.text = _b64(der)
    return signature


def _ddoc_signed_properties(signature: etree._Element, doc: SimDocument, cert_der: bytes) -> etree._Element:
    obj = etree.SubElement(signature, f"{{{DS}}}Object")
    qualifying = etree.SubElement(obj, f"{{{XADES_111}}}QualifyingProperties", Target="#S0")
    props = etree.SubElement(qualifying, f"{{{XADES_111}}}SignedProperties", Id="S0-SignedProperties")
    sig_props = etree.SubElement(props, f"{{{XADES_111}}}SignedSignatureProperties")
    signed_at = _registered_at(doc).astimezone(UTC)
    etree.SubElement(sig_props, f"{{{XADES_111}}}SigningTime").text = f"{signed_at:%Y-%m-%dT%H:%M:%S}Z"
    cert_digest = etree.SubElement(
        etree.SubElement(
            etree.SubElement(sig_props, f"{{{XADES_111}}}SigningCertificate"), f"{{{XADES_111}}}Cert"
        ),
        f"{{{XADES_111}}}CertDigest",
    )
    etree.SubElement(cert_digest, f"{{{DS}}}DigestMethod", Algorithm=f"{DS}sha1")
    etree.SubElement(cert_digest, f"{{{DS}}}DigestValue").text = _b64(hashlib.sha1(cert_der).digest())
    roles = etree.SubElement(
        etree.SubElement(sig_props, f"{{{XADES_111}}}SignerRole"), f"{{{XADES_111}}}ClaimedRoles"
    )
    etree.SubElement(roles, f"{{{XADES_111}}}ClaimedRole").text = TEST_SIGNATURE_ROLE
    return props


def _sha1_reference(signed_info: etree._Element, uri: str, digest: bytes) -> etree._Element:
    reference = etree.SubElement(signed_info, f"{{{DS}}}Reference", URI=uri)
    etree.SubElement(reference, f"{{{DS}}}DigestMethod", Algorithm=f"{DS}sha1")
    etree.SubElement(reference, f"{{{DS}}}DigestValue").text = _b64(digest)
    return reference


class _ExplorerZipInfo(zipfile.ZipInfo):
    """A member whose name is stored in the DOS code page, as Windows does, not as UTF-8."""

    def _encodeFilenameFlags(self):  # noqa: N802 — zipfile's own (private) hook
        try:
            return self.filename.encode("ascii"), self.flag_bits
        except UnicodeEncodeError:
            return self.filename.encode(EXPLORER_CODEPAGE), self.flag_bits


def _zip_dated(data: bytes, doc: SimDocument) -> bytes:
    """The same ZIP with every entry dated at registration (python-docx stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=_zip_time(doc))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(item))
    return out.getvalue()


def _registered_at(doc: SimDocument) -> datetime:
    moment = datetime.combine(doc.registered, datetime.min.time()) + timedelta(hours=9, minutes=doc.id % 420)
    return moment.replace(tzinfo=_TALLINN)


def _zip_time(doc: SimDocument) -> tuple[int, int, int, int, int, int]:
    moment = _registered_at(doc)
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, 0)


def _person(doc: SimDocument) -> str:
    return doc.responsible.split(" (")[0] or "Dokumendihaldur"


def _mailbox(name: str) -> str:
    plain = name.casefold().translate(str.maketrans("õäöüšž", "oaousz"))
    return ".".join(part for part in plain.split() if part.isalpha()) or "info"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64_lines(data: bytes) -> str:
    """Base64 in 64-character lines, as DigiDoc libraries write it."""
    text = _b64(data)
    return "\n" + "\n".join(text[i : i + 64] for i in range(0, len(text), 64)) + "\n"
