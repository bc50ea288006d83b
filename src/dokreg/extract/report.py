"""``dokreg extract PATH``: what the extractors make of one file, as an indented tree or JSON.

Personal codes are masked everywhere in the output (text, signer codes): the command is for
looking at files, and terminals end up in screenshots.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from dokreg.extract.runner import ExtractedNode, extract_tree
from dokreg.extract.types import Extraction, SignatureInfo
from dokreg.privacy.personal_codes import MASK, mask_personal_codes

TEXT_PREVIEW = 600


def extract_report(path: str, *, as_json: bool = False, out: TextIO | None = None) -> int:
    """Print the extraction tree of ``path``; 0 when the file itself was extracted, 1 when not, 2 when unreadable."""
    out = out or sys.stdout
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        print(f"cannot read {path}: {e.strerror or e}", file=sys.stderr)
        return 2
    node = extract_tree(data, Path(path).name)
    if as_json:
        json.dump(node_as_dict(node), out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        _write_node(node, out, depth=0)
    return 0 if node.extraction is not None else 1


def node_as_dict(node: ExtractedNode) -> dict[str, Any]:
    result: dict[str, Any] = {"name": node.name}
    if node.extraction is None:
        result["error"] = {"code": node.error_code, "message": mask_personal_codes(node.error_message)}
    else:
        result.update(_extraction_as_dict(node.extraction))
    result["children"] = [node_as_dict(child) for child in node.children]
    return result


def _extraction_as_dict(extraction: Extraction) -> dict[str, Any]:
    return {
        "kind": extraction.kind,
        "version": extraction.version,
        "metadata": {key: mask_personal_codes(value) for key, value in extraction.metadata},
        "pages": len(extraction.pages),
        "text": mask_personal_codes(extraction.text),
        "signatures": [_signature_as_dict(s) for s in extraction.signatures],
        "warnings": [mask_personal_codes(w) for w in extraction.warnings],
    }


def _signature_as_dict(signature: SignatureInfo) -> dict[str, Any]:
    return {
        "signer": signature.signer_name,
        "personal_code": MASK if signature.personal_code else "",
        "role": signature.role,
        "country": signature.country,
        "issuer": signature.issuer,
        "signed_at": signature.signed_at.isoformat() if signature.signed_at else None,
        "profile": signature.profile,
        "value_valid": signature.value_valid,
        "digests_valid": signature.digests_valid,
        "note": mask_personal_codes(signature.note),
    }


def _write_node(node: ExtractedNode, out: TextIO, depth: int) -> None:
    pad = "  " * depth
    if node.extraction is None:
        out.write(f"{pad}{node.name}  ✗ {node.error_code}: {mask_personal_codes(node.error_message)}\n")
    else:
        info = _extraction_as_dict(node.extraction)
        out.write(f"{pad}{node.name}  [{info['kind']} v{info['version']}]\n")
        for key, value in info["metadata"].items():
            out.write(f"{pad}  {key}: {value}\n")
        for s in info["signatures"]:
            out.write(
                f"{pad}  signature: {s['signer']} {s['personal_code']} ({s['profile']}, {s['signed_at']}) "
                f"value_valid={s['value_valid']} digests_valid={s['digests_valid']} — {s['note']}\n"
            )
        for warning in info["warnings"]:
            out.write(f"{pad}  ! {warning}\n")
        if info["text"]:
            preview = info["text"][:TEXT_PREVIEW].replace("\n", f"\n{pad}  | ")
            out.write(f"{pad}  | {preview}{' …' if len(info['text']) > TEXT_PREVIEW else ''}\n")
    for child in node.children:
        _write_node(child, out, depth + 1)
