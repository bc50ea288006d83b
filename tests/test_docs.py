"""The deployment guide is checked against the code: every command and variable it names exists."""

import re
from pathlib import Path

from dokreg.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "deployment.md"


def test_guide_names_only_real_commands():
    commands = set(build_parser()._subparsers._group_actions[0].choices)
    text = GUIDE.read_text()
    # Commands as the guide writes them: in `inline code`, at the start of a shell line, or after bin/.
    named = set(re.findall(r"(?:`|^|bin/)dokreg ([a-z]+)", text, flags=re.MULTILINE))
    assert {"serve", "worker", "backup", "restore", "check", "migrate"} <= named
    assert named <= commands, named - commands


def test_guide_names_only_real_settings():
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "dokreg").rglob("*.py"))
    for variable in set(re.findall(r"\bDOKREG_[A-Z_]+", GUIDE.read_text())):
        assert f'"{variable}"' in source, variable
