"""Without Graphviz's `dot` program: DOT text still works, SVG raises DiagramError, Jupyter falls back to text."""

from __future__ import annotations

import pytest

from workbook.errors import WorkbookError
from workbook.render import DiagramError, path_dot, path_svg, sequence_svg, topology_dot, topology_svg
from workbook.render.dot import label


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))


def test_missing_dot_raises_diagram_error_with_install_hints_and_the_dot_text(seed_lan, no_dot):
    trace = seed_lan.send("nt-host", "172.17.1.1")
    with pytest.raises(DiagramError) as caught:
        path_svg(trace)
    message = str(caught.value)
    for hint in ("apt install graphviz", "brew install graphviz", "winget install graphviz", "`dot`"):
        assert hint in message
    assert caught.value.dot_source == path_dot(trace)
    assert isinstance(caught.value, WorkbookError) and isinstance(caught.value, ValueError)


def test_missing_dot_other_diagrams(seed_lan, no_dot):
    with pytest.raises(DiagramError) as caught:
        topology_svg(seed_lan)
    assert caught.value.dot_source == topology_dot(seed_lan)
    with pytest.raises(DiagramError):
        sequence_svg(seed_lan.frames)


def test_jupyter_shows_the_install_hint_over_the_text_without_dot(seed_lan, no_dot):
    trace = seed_lan.send("nt-host", "172.18.0.1")
    for views, text in ((trace._repr_mimebundle_(), trace.explain()), (seed_lan._repr_mimebundle_(), "nt-host")):
        assert "image/svg+xml" not in views
        for hint in ("apt install graphviz", "brew install graphviz", "winget install graphviz"):
            assert hint in views["text/plain"] and hint in views["text/html"]
        assert text in views["text/plain"]
    assert "no route" in path_dot(trace)


def test_labels_keep_backslashes_quotes_and_angle_brackets_literal():
    import graphviz

    graph = graphviz.Digraph()
    graph.node("a", label=label(['say "hi"', r"C:\new", "<b>"]))
    source = graph.source
    assert r'say \"hi\"\nC:\\new\n<b>' in source
    assert "C:\\new" not in source.replace("\\\\", "")
