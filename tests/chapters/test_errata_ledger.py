"""The errata appendix is a ledger of every claim of the source texts (issue 12, item 3).

The claims are package data (``workbook/claims/*.yaml``, read by :func:`workbook.errata.load_claims`), so the
appendix learners open and this test read the same file. The appendix must judge every claim in exactly one
code cell, compute the verdict the claims file lists, and give every row a source; no claim can silently
drop out.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nbclient import NotebookClient

import workbook as wb
from workbook.errata import VERDICTS, Ledger, load_claims, verdict_of
from workbook.errors import LedgerError

ROOT = Path(__file__).resolve().parents[2]
APPENDIX = ROOT / "chapters" / "A_errata.ipynb"
SEEDS = {"nt": ROOT.parent / "shared" / "seeds" / "nt-tcpip-internet-protocol.txt",
         "kb": ROOT.parent / "shared" / "seeds" / "kb-q175396-multihomed-sockets.txt"}
CLAIMS = load_claims()
_JUDGED = re.compile(r"""ledger\.(?:judge|not_checkable)\(\s*["']([\w-]+)["']""")


# The claims file -----------------------------------------------------------------------------------
def test_every_claim_has_a_source_and_every_verdict_but_a_plain_right_says_why() -> None:
    assert len(CLAIMS) >= 60
    problems = [f"{c.id}: no source" for c in CLAIMS.values() if not c.source.strip()]
    problems += [f"{c.id}: {c.verdict} without a why" for c in CLAIMS.values() if c.verdict != "right" and not c.why]
    assert not problems, problems


def test_the_missed_errors_of_issue_12_have_rows() -> None:
    """The errors the first appendix missed (issue 12) each have a claim, with the verdict the sources support."""
    expected = {"nt-hkey-local-computer": "wrong", "nt-persistent-35x": "not checkable",
                "nt-supernet-252": "wrong", "nt-supernet-one-network": "wrong", "kb-ipaddr-any": "wrong",
                "kb-send-udp": "wrong", "nt-172-class-c": "wrong", "nt-seven-entries": "wrong",
                "nt-mpr-list-lost": "wrong", "nt-three-possibilities-lost": "wrong",
                "nt-multihoming-types-lost": "wrong", "nt-netbt-16-20": "not checkable",
                "nt-routers-rip-ospf": "not checkable", "nt-nt-routes-rip": "not checkable",
                "nt-bootp-relay": "not checkable", "nt-level-2": "right", "nt-foreign-source-leaves": "right",
                "nt-35-forgets-routes": "not checkable"}
    assert {claim_id: CLAIMS[claim_id].verdict for claim_id in expected} == expected
    assert "Q120599" in CLAIMS["nt-defender-repairs-caches"].why  # Microsoft's second account of cache repair
    assert "NAT" in CLAIMS["nt-addresses-end-to-end"].why
    assert "/20" in CLAIMS["nt-supernet-252"].why


@pytest.mark.parametrize("text", sorted(SEEDS))
def test_the_lines_of_each_claim_exist_in_its_text(text: str) -> None:
    if not SEEDS[text].is_file():
        pytest.skip(f"the source texts are not on this machine ({SEEDS[text].parent})")
    lines = SEEDS[text].read_text(encoding="utf-8", errors="replace").splitlines()
    bad = [f"{c.id}: lines {c.lines}" for c in CLAIMS.values() if c.text == text
           and not (1 <= c.lines[0] <= c.lines[1] <= len(lines) and lines[c.lines[0] - 1].strip())]
    assert not bad, f"claims pointing at no text in {SEEDS[text].name}: {bad}"


# The ledger ----------------------------------------------------------------------------------------
def test_verdicts_from_a_computation() -> None:
    assert [verdict_of(True), verdict_of(False), verdict_of(True, False), verdict_of(False, False)] == \
        ["right", "wrong", "dated", "wrong"]


def test_a_row_resting_on_behaviour_only_the_texts_give_is_not_checkable() -> None:
    ledger = Ledger()
    seed = ledger.judge("nt-35-forgets-routes", holds=True, relies_on=["nt35.persistent_routes_survive_restart"])
    assert seed.verdict == "not checkable"
    assert seed.why.startswith("as the text says; no independent source")
    # The KB article cited as a Microsoft document is still the text itself.
    kb = ledger.judge("kb-bound-source-kept", holds=True, relies_on=["nt4.host_model"])
    assert kb.verdict == "not checkable"
    independent = ledger.judge("kb-bound-source-kept", holds=True, relies_on=["linux.host_model"])
    assert independent.verdict == "right" and ledger.rows["kb-bound-source-kept"] is independent  # a re-run
    assert ledger.judge("nt-cidr-rfcs", holds=True, holds_today=False,
                        relies_on=["RFCs replaced since the texts were written"]).verdict == "dated"


def test_the_ledger_refuses_unknown_claims_and_behaviours_with_an_example() -> None:
    ledger = Ledger()
    with pytest.raises(LedgerError, match=r"no claim 'nt-clas-c-host'.*e\.g\. nt-"):
        ledger.judge("nt-clas-c-host", holds=True)
    with pytest.raises(LedgerError, match=r"'nt4.hostmodel'.*has no trait"):
        ledger.judge("nt-class-c-host", holds=True, relies_on=["nt4.hostmodel"])
    with pytest.raises(LedgerError, match="neither a trait"):
        ledger.judge("nt-class-c-host", holds=True, relies_on=["no such constant"])
    assert isinstance(LedgerError("x"), wb.WorkbookError)


def test_the_summary_table_is_built_from_the_rows() -> None:
    ledger = Ledger()
    ledger.judge("nt-class-c-host", holds=False)
    ledger.not_checkable("nt-netbt-16-20")
    table = ledger.table().splitlines()
    assert len(table) == 4 and "**wrong**" in table[2] and "**not checkable**" in table[3]
    assert ledger.counts() == {"right": 0, "wrong": 1, "dated": 0, "not checkable": 1}
    assert len(ledger.missing()) == len(CLAIMS) - 2


@given(st.lists(st.tuples(st.sampled_from(sorted(CLAIMS)), st.booleans(), st.booleans()), max_size=40))
def test_the_ledger_keeps_the_last_verdict_of_each_claim_and_counts_it(judgements) -> None:
    """Against a plain dict as the reference: one row per claim (the last judgement), counts and table agree."""
    ledger = Ledger(CLAIMS)
    expected: dict[str, str] = {}
    for claim_id, holds, holds_today in judgements:
        ledger.judge(claim_id, holds=holds, holds_today=holds_today)
        expected[claim_id] = "wrong" if not holds else ("right" if holds_today else "dated")
    assert {claim_id: row.verdict for claim_id, row in ledger.rows.items()} == expected
    assert ledger.counts() == {verdict: list(expected.values()).count(verdict) for verdict in VERDICTS}
    assert len(ledger.table().splitlines()) == 2 + len(expected)
    assert set(ledger.missing()) == set(CLAIMS) - set(expected)
    assert [row["id"] for row in ledger.export()] == [c for c in CLAIMS if c in expected]  # the claims' order


# The appendix --------------------------------------------------------------------------------------
def _code_cells() -> list[str]:
    return [c.source for c in nbformat.read(APPENDIX, as_version=4).cells if c.cell_type == "code"]


def test_every_claim_is_judged_in_exactly_one_cell_of_the_appendix() -> None:
    judged = Counter(claim_id for source in _code_cells() for claim_id in _JUDGED.findall(source))
    per_cell = [len(_JUDGED.findall(source)) for source in _code_cells()]
    assert max(per_cell) == 1, "a cell judges more than one claim: each row has its own evidence cell"
    unknown = [i for i in judged if i not in CLAIMS]
    assert not unknown, f"unknown claims judged: {unknown}"
    twice = sorted(i for i, n in judged.items() if n > 1)
    missing = [i for i in CLAIMS if i not in judged]
    assert not twice and not missing, f"judged twice: {twice}; never judged: {missing}"


@pytest.fixture(scope="module")
def executed_rows() -> list[dict]:
    notebook = nbformat.read(APPENDIX, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import json\nprint(json.dumps({'rows': ledger.export(), 'missing': ledger.missing()}))"))
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(APPENDIX.parent)}})
    client.shutdown_kernel = "immediate"  # polite shutdowns stall for seconds on these machines
    client.execute()
    result = json.loads(notebook.cells[-1].outputs[0].text)
    assert result["missing"] == []
    table = [o for c in notebook.cells for o in c.get("outputs", [])
             if "| # | Claim |" in o.get("data", {}).get("text/markdown", "")]
    assert len(table) == 1 and table[0].data["text/markdown"].count("\n| ") == len(CLAIMS)
    return result["rows"]


def test_the_appendix_computes_the_listed_verdict_of_every_claim(executed_rows: list[dict], record_property) -> None:
    assert [row["id"] for row in executed_rows] == list(CLAIMS)
    differ = [f"{row['id']}: computed {row['verdict']}, listed {row['listed']}"
              for row in executed_rows if row["verdict"] != row["listed"]]
    assert not differ, differ
    assert all(row["source"].strip() for row in executed_rows), "a row without a source"
    assert all(row["why"] for row in executed_rows if row["verdict"] != "right"), "a verdict without a why"
    assert all(row["evidence"] for row in executed_rows if row["verdict"] in ("right", "wrong", "dated")), \
        "a checked row shows no computation"
    counts = Counter(row["verdict"] for row in executed_rows)
    summary = f"{len(executed_rows)} rows, one per claim; " + ", ".join(f"{v}: {counts[v]}" for v in VERDICTS)
    print(summary)
    record_property("errata_ledger", summary)


# Engine outcomes the appendix's prose states ---------------------------------------------------------
def test_the_supernet_readings_and_an_exact_aggregate_of_three() -> None:
    as_24 = wb.aggregate(["172.16.16.0/24", "172.16.32.0/24", "172.16.48.0/24"])
    as_20 = wb.aggregate(["172.16.16.0/20", "172.16.32.0/20", "172.16.48.0/20"])
    assert len(as_24.prefixes) == 3
    assert [str(p) for p in as_20.prefixes] == ["172.16.16.0/20", "172.16.32.0/19"]
    assert [str(p) for p in wb.aggregate(["10.0.0.0/25", "10.0.0.128/26", "10.0.0.192/26"]).prefixes] == ["10.0.0.0/24"]
    assert [str(n) for n in wb.seed_supernet_example().claimed_coverage.held] == ["172.16.16.0/24"]


def test_the_stacks_the_kb_rows_rest_on() -> None:
    models = {p: wb.get_personality(p).host_model for p in ("nt4", "windows", "linux")}
    assert models == {"nt4": "weak", "windows": "strong", "linux": "weak"}
    host = wb.Host.from_scenario("kb-multihomed", personality="linux")
    sock = host.socket()
    sock.bind("10.1.1.10")
    assert sock.connect("172.30.0.9").leaves_with_foreign_source
