"""Answers behind a click, and a summary at the end (issue 12, item 5).

- A markdown cell that asks a **Predict** question holds its answer in a ``<details>`` block, so the
  answer is not on screen before the learner has tried: the question comes first, then
  ``<details><summary>…</summary>``, a blank line (Jupyter and MyST render markdown inside the block only
  after one), the answer, ``</details>``. A question is a bold ``**Predict`` (or a heading "Predict");
  prose that only explains the habit writes the word without bold.
- Every question of a "Check yourself" section (a numbered list item) has its own ``<details>`` answer.
- Every chapter ends with a "Summary" section (only "Check yourself" may follow it), and says something in it.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


_PREDICT = re.compile(r"\*\*Predict\b|^#+\s*Predict\b", re.MULTILINE)
_DETAILS = re.compile(r"<details>\s*<summary>(?P<summary>.*?)</summary>(?P<body>.*?)</details>", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.MULTILINE)


def _param(path: Path):
    return pytest.param(path, id=path.stem)


def _markdown(path: Path) -> list[str]:
    notebook = nbformat.read(path, as_version=4)
    return [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]


def _block_problems(text: str, where: str) -> list[str]:
    """Each <details> block is closed, has a summary, a blank line after it, and an answer of a few words."""
    problems = []
    if text.count("<details>") != text.count("</details>"):
        problems.append(f"{where}: {text.count('<details>')} <details> but {text.count('</details>')} </details>")
    for block in _DETAILS.finditer(text):
        body = block["body"]
        if not body.startswith(("\n\n", "\r\n\r\n")):
            problems.append(f"{where}: no blank line after <summary>{block['summary']}</summary>; "
                            "the answer would show as raw markdown")
        if len(re.findall(r"\w+", body)) < 3:
            problems.append(f"{where}: the <details> block {block['summary']!r} holds no answer")
    return problems


def _sections(cells: list[str]) -> list[tuple[str, str]]:
    """(level-2 heading, its text up to the next level-2 heading) in order, across cells."""
    joined = "\n\n".join(cells)
    heads = [m for m in _HEADING.finditer(joined) if len(m[1]) == 2]
    return [(m[2].strip(), joined[m.end():(heads[i + 1].start() if i + 1 < len(heads) else len(joined))])
            for i, m in enumerate(heads)]


@pytest.mark.parametrize("path", [_param(p) for p in CHAPTERS])
def test_every_predict_answer_is_behind_a_click(path: Path) -> None:
    problems = []
    for number, text in enumerate(_markdown(path)):
        where = f"markdown cell {number}"
        problems += _block_problems(text, where)
        questions = list(_PREDICT.finditer(text))
        for i, question in enumerate(questions):
            end = questions[i + 1].start() if i + 1 < len(questions) else len(text)
            if _DETAILS.search(text[question.end():end]) is None:
                first_line = text[question.start():].splitlines()[0]
                problems.append(f"{where}: {first_line[:80]!r} has no <details> answer after it")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", [_param(p) for p in CHAPTERS])
def test_every_check_yourself_question_has_its_own_hidden_answer(path: Path) -> None:
    sections = [body for title, body in _sections(_markdown(path)) if title.lower().startswith("check yourself")]
    assert sections, f"{path.name} has no 'Check yourself' section"
    problems = []
    for body in sections:
        visible = _DETAILS.sub("", body)
        questions = re.findall(r"^\s*\d+\.\s", visible, re.MULTILINE)
        answers = _DETAILS.findall(body)
        if not questions:
            problems.append("the 'Check yourself' section asks no numbered question")
        if len(answers) != len(questions):
            problems.append(f"'Check yourself' asks {len(questions)} questions but holds {len(answers)} "
                            "<details> answers (one per question)")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", [_param(p) for p in CHAPTERS])
def test_every_chapter_ends_with_a_summary(path: Path) -> None:
    titles = [title for title, _ in _sections(_markdown(path))]
    summaries = [i for i, title in enumerate(titles) if title.lower().startswith("summary")]
    assert summaries, f"{path.name} has no '## Summary' section; its level-2 sections: {titles}"
    after = [t for t in titles[summaries[-1] + 1:] if not t.lower().startswith("check yourself")]
    assert not after, f"{path.name}: sections {after} follow the Summary; only 'Check yourself' may"
    body = dict(_sections(_markdown(path)))[titles[summaries[-1]]]
    assert len(re.findall(r"\w+", body)) >= 20, f"{path.name}: the Summary says almost nothing"
