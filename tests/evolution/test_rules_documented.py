"""The README's table of `diff` rules is the rule catalogue: every rule, with the verdicts the command gives."""

from __future__ import annotations

from support import ROOT

from netmera_codegen.evolution.changes import RULES

VERDICT_WORDS = {"breaking": "breaking", "unproven": "not proven", "compatible": "-"}


def test_every_rule_is_in_the_readme_table_with_its_verdicts() -> None:
    rows = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`") and cells[0].strip("`").isupper():
            rows[cells[0].strip("`")] = cells
    assert list(rows) == list(RULES)
    for rule_id, rule in RULES.items():
        _, reads, wire, source, summary = rows[rule_id]
        assert reads == ("schemas" if rule.level == "wire" else "Python API")
        assert (wire, source) == (VERDICT_WORDS[rule.wire], VERDICT_WORDS[rule.source])
        assert summary == rule.summary
