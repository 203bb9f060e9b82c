"""The README's examples are true: its Python blocks run as one doctest session."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_example_in_the_readme_gives_what_it_shows() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "the README shows no Python example"
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, "README.md", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
    assert runner.tries >= 10


def test_the_readme_starts_with_the_learner_and_shows_a_widget() -> None:
    """A learner's first screen says where to start; the developer API comes last (issue 16, item 8)."""
    text = README.read_text(encoding="utf-8")
    learners, instructors, developers = (text.index(heading) for heading in (
        "## Start here: learners", "## Start here: instructors", "## For developers"))
    assert learners < instructors < developers
    start = text[learners:instructors]
    assert "chapters/00_orientation.ipynb" in start and "exercises/student/" in start
    (image,) = re.findall(r"!\[[^\]]+\]\((docs/img/[\w-]+\.png)\)", start)
    data = (README.parent / image).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) < 150_000  # a small PNG, committed
    for command in ("./run.sh lab ", "./run.sh test "):
        assert command in text
