"""A pytest plugin for ``test_fields.py``'s probe: it makes exactly one edit, a new entry in the field
table, before anything imports the table, as a developer adding a field would.

The new field is ``parser`` (an existing Document column the table does not list): a keyword of the
index and words of its meta field, filterable as free text, exported, a column of the result lists,
shown on the document page, not tracked.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

FIELDS = Path(__file__).resolve().parents[2] / "src" / "dokreg" / "fields.py"
ENTRY = (
    '    DocField("parser", _("Parser"), keyword="parser", text="meta", tracked=False, listed=8,'
    ' filter=_text("parser", "parsers", _("Parser"), "the parser that read the page (repeatable)")),\n'
)
END_OF_TABLE = "\n)\n\nBY_NAME"

source = FIELDS.read_text(encoding="utf-8")
assert source.count(END_OF_TABLE) == 1, "the field table's end moved: update the probe"
edited = source.replace(END_OF_TABLE, "\n" + ENTRY + ")\n\nBY_NAME")

import dokreg  # noqa: E402 - the package, not yet the table

module = types.ModuleType("dokreg.fields")
module.__file__ = str(FIELDS)
sys.modules[module.__name__] = module
exec(compile(edited, str(FIELDS), "exec"), module.__dict__)  # noqa: S102 - our own file, one entry added
dokreg.fields = module
