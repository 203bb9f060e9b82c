"""A class with good, wrong and hostile submissions mixed, graded through the command line as an instructor would:
every good student gets full marks, every attack 0 with a reason, no text of one student or of the hidden tests in
another's row or in the output, no process left behind, no file changed outside the gradebook.

The attacks need the root sandbox (own user id, PID namespace, cgroup): without it they would reach the test
runner itself, so this module is skipped unless the grader runs as root with namespaces.
"""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbook.exercises import load
from workbook.exercises.build import keys_of, set_student
from workbook.exercises.isolation import Mode, strongest_mode

from .conftest import MASTERS, ROOT, solution, student_copy, with_cell

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or strongest_mode() is not Mode.ROOT,
                                reason="the attacks need the root sandbox (own user id, PID namespace, cgroup)")

A = "01_route_lookup"
ESCAPEE = "wb-escapee"
#: Good students, with identifiers no other text contains (so a leak of one into another's row is visible).
GOOD = ["stu-qx7k", "stu-mv3p", "stu-zr8w", "Zoe\u0308-kt5"]
#: Graded in an earlier run, whose gradebook the hostile run overwrites.
EARLIER = ["stu-earlier-kq2"]

#: Each attack: a cell added to the blank student copy (after the first code cell). None may earn a point.
ATTACKS = {
    "atk-killer": """
import os, time
end = time.time() + 60
while time.time() < end:
    try:
        os.kill(-1, 9)
    except OSError:
        pass
""",
    "atk-escapee": f"""
import ctypes, os, time
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(15, b"{ESCAPEE}", 0, 0, 0)
        for fd in range(64):
            try:
                os.close(fd)
            except OSError:
                pass
        end = time.time() + 120
        while time.time() < end:
            try:
                os.kill(-1, 9)
            except OSError:
                pass
            time.sleep(0.01)
    os._exit(0)
os.waitpid(pid, 0)
""",
    "atk-memscan": """
import ctypes, hashlib
# Markers are given as a prefix and the digest of the whole: the whole text itself is nowhere in this notebook.
found = set()
with open("/proc/self/maps") as maps:
    regions = [line.split() for line in maps]
for fields in regions:
    start, end = (int(x, 16) for x in fields[0].split("-"))
    name = fields[5] if len(fields) > 5 else ""
    # What a process learns at run time is in its anonymous memory, heap and stack (mapped files hold code).
    if "r" not in fields[1] or (name and name not in ("[heap]", "[stack]")):
        continue
    for offset in range(start, end, 2**22):  # 4 MB at a time, overlapping by the longest marker
        data = ctypes.string_at(offset, min(2**22 + 256, end - offset))
        for prefix, length, digest in DIGESTS:
            at = data.find(prefix)
            while at != -1:
                if hashlib.sha256(data[at:at + length]).hexdigest() == digest:
                    found.add(digest[:8])
                at = data.find(prefix, at + 1)
raise RuntimeError("memory holds " + repr(sorted(found)))
""",
    "atk-forkbomb": """
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
""",
    "atk-membomb": """
import os, time
for _ in range(16):
    if os.fork() == 0:
        block = b"x" * (200 * 2**20)
        time.sleep(60)
        os._exit(0)
time.sleep(60)
""",
    "atk-git": f"""
import subprocess
shown = subprocess.run(["git", "-c", "safe.directory=*", "-C", {str(ROOT)!r}, "show",
                        "HEAD:instructor/{A}.ipynb"], capture_output=True, text=True)
try:
    master = open({str(MASTERS / f"{A}.ipynb")!r}).read()
except OSError as error:
    master = repr(error)
raise RuntimeError(shown.stdout[:80] + shown.stderr[:80] + master[:80])
""",
    "atk-gradebook": "GRADEBOOK_ATTACK",
    "atk-helpers": """
tries = []
for attempt in ("ex.solution('q1')", "v.right_choice", "ex.variant.right_choice"):
    try:
        tries.append(repr(eval(attempt))[:30])
    except Exception as error:
        tries.append(type(error).__name__)
checks = {letter: ex.check("q7", letter).status for letter in "ABCD"}
raise RuntimeError(f"{tries} {checks}")
""",
    "atk-cheat": "CHEAT_ATTACK",
    "atk-vandal": "VANDAL_ATTACK",
}


def _gradebook_attack(out: Path) -> str:
    return f"""
try:
    stolen = open({str(out)!r}).read()
except OSError as error:
    stolen = repr(error)
raise RuntimeError(stolen[:150])
"""


def _cheat_attack(dist: Path) -> str:
    tests = dist / A / "autograder" / "tests" / "q7.py"
    return f"""
import os, json
import workbook.exercises.core as core
try:
    stolen = open({str(tests)!r}).read()
except OSError as error:
    stolen = 'refused: ' + type(error).__name__
core.Exercise.feedback = lambda self, name, answer, right=None: core.Feedback(name, True, 'right')
class Always:
    def __eq__(self, other):
        return True
    __hash__ = object.__hash__
q1_next_hop = q2_next_hop = Always()
right = {{q.variable: str(q.expected(ex.variant)) for q in ex.questions if q.expected}}
forged = [{{"static": {{"answers": {{k: {{"typed": v, "cell": 1}} for k, v in right.items()}}}}}},
          {{"answers": {{k: {{"value": v}} for k, v in right.items()}}, "cell": 99}}, {{"score": 9, "total": 9}}]
for fd in range(3, 64):
    for message in forged:
        try:
            os.write(fd, (json.dumps(message) + "\\n").encode())
        except OSError:
            pass
"""


def _vandal_attack(targets: list[Path]) -> str:
    return f"""
import os, shutil, glob
for root in {[str(t) for t in targets]!r}:
    for target in glob.glob(root + '/**', recursive=True):
        try:
            if os.path.isfile(target):
                open(target, 'w').write('pwned')
            else:
                shutil.rmtree(target, ignore_errors=True)
        except OSError:
            pass
open('/tmp/left-behind', 'w').write('x')
"""


def _digest(folders: list[Path]) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for folder in folders for p in folder.rglob("*")
            if p.is_file()}


def _grade(folder: Path, dist: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbook.exercises", "grade", str(folder), "--dist", str(dist),
                           "--out", str(out), "--jobs", "2", "--timeout", "5", "--memory", "512", *extra],
                          capture_output=True, text=True, timeout=600, cwd=out.parent)


def _rows(out: Path) -> list[dict[str, str]]:
    with out.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def hostile(dist: Path, tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("hostile")
    grades, outside = base / "grades", base / "outside"
    outside.mkdir()
    grades.mkdir(mode=0o700)
    (outside / "precious.txt").write_text("keep me")
    out = grades / "gradebook.csv"
    earlier = base / "earlier"
    for student in EARLIER:
        (earlier / student).mkdir(parents=True)
        (earlier / student / f"{A}.ipynb").write_text(solution(A, student))
    assert _grade(earlier, dist, out).returncode == 0

    folder = base / "class"

    def put(student: str, text: str | bytes, name: str = f"{A}.ipynb") -> None:
        path = folder / student / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())

    for student in GOOD:
        put(student, solution(A, "Zoë-kt5" if student == "Zoe\u0308-kt5" else student))
    put("wrong-1", solution(A, "wrong-1", ("q5_longest_next_hop",
                                          repr(load(A, "wrong-1").variant.next_hop(
                                              load(A, "wrong-1").variant.supernet_destination, "classic")))))
    put("raises", with_cell(solution(A, "raises"), "raise RuntimeError('boom')\nx = bytearray(10**11)"))
    put("loops", with_cell(solution(A, "loops"), "while True:\n    pass", after="q2_next_hop ="))
    secrets = [*GOOD, "Zoë-kt5", *EARLIER, "q7_why, right=", ">>> ex.grade("]  # classmates, the hidden tests' code
    markers = [*secrets, *keys_of(MASTERS / f"{A}.ipynb"), "BEGIN QUESTION"]
    digests = [(m.encode()[:4], len(m.encode()), hashlib.sha256(m.encode()).hexdigest()) for m in secrets]
    special = {"GRADEBOOK_ATTACK": _gradebook_attack(out), "CHEAT_ATTACK": _cheat_attack(dist),
               "VANDAL_ATTACK": _vandal_attack([folder, outside, dist, MASTERS, grades])}
    for attacker, cell in ATTACKS.items():
        cell = special.get(cell, cell).replace("DIGESTS", repr(digests))
        put(attacker, with_cell(set_student(student_copy(dist, A, "alice"), attacker), cell))
    put("atk-noise", os.urandom(3000))
    put("atk-script", "print('I am a script, not a notebook')")
    put("s01", set_student(student_copy(dist, A, "alice"), "s01"), f"old/{A}.ipynb")
    put("s01", solution(A, "s01"))
    old = time.time() - 3600
    os.utime(folder / "s01" / "old" / f"{A}.ipynb", (old, old))

    watched = [folder, outside, dist, MASTERS]
    before = _digest(watched)
    done = _grade(folder, dist, out)
    assert done.returncode == 0, done.stderr
    return {"rows": _rows(out), "before": before, "after": _digest(watched), "output": done.stdout + done.stderr,
            "out": out, "folder": folder, "dist": dist, "markers": markers, "outside": outside}


def totals(rows) -> dict[str, dict[str, str]]:
    return {r["student"]: r for r in rows if r["question"] == "total"}


def test_every_good_student_gets_full_marks(hostile) -> None:
    table = totals(hostile["rows"])
    for student in [*GOOD[:3], "Zoë-kt5", "s01"]:
        assert float(table[student]["score"]) == 9, table[student]
    assert "STUDENT_ID" not in table["Zoë-kt5"]["explanation"]  # an NFD folder is the same student, same variant


def test_every_attack_scores_zero_with_a_reason(hostile) -> None:
    table = totals(hostile["rows"])
    for attacker in [*ATTACKS, "atk-noise", "atk-script"]:
        row = table[attacker]
        assert float(row["score"]) == 0 and row["explanation"], row
    for attacker in ("atk-killer", "atk-forkbomb"):
        assert "time limit" in table[attacker]["explanation"]
    assert "memory" in table["atk-membomb"]["explanation"] or "time limit" in table["atk-membomb"]["explanation"]
    assert table["atk-noise"]["status"] == table["atk-script"]["status"] == "not a notebook"


def test_attacks_find_nothing_of_the_repository_the_tests_or_classmates(hostile) -> None:
    table = totals(hostile["rows"])
    assert "memory holds []" in table["atk-memscan"]["explanation"]
    assert "not a git repository" in table["atk-git"]["explanation"] or "No such file" in \
        table["atk-git"]["explanation"]
    assert "FileNotFoundError" in table["atk-gradebook"]["explanation"]
    helpers = table["atk-helpers"]["explanation"]
    assert "AttributeError', 'AttributeError', 'AttributeError" in helpers
    assert helpers.count("'recorded'") == 4  # no verdict for any letter: the key is not in the notebook


def test_no_text_of_one_student_or_of_the_hidden_tests_in_another_row_or_the_output(hostile) -> None:
    for row in hostile["rows"]:
        text = " ".join(v for k, v in row.items() if k not in ("student", "notebook", "similar"))
        for marker in hostile["markers"]:
            assert marker not in text, (row["student"], marker)
    for marker in hostile["markers"]:
        assert marker not in hostile["output"]


def test_wrong_raising_and_looping_submissions_keep_what_they_earned(hostile) -> None:
    rows = hostile["rows"]
    table = totals(rows)
    assert float(table["wrong-1"]["score"]) == 8
    assert float(table["raises"]["score"]) == 9 and "boom" in table["raises"]["explanation"]
    loops = {r["question"]: r for r in rows if r["student"] == "loops"}
    assert float(loops["q1"]["score"]) == float(loops["q2"]["score"]) == 1
    assert all(float(loops[q]["score"]) == 0 for q in ("q3", "q4", "q5", "q6", "q7", "q8"))
    assert "time limit" in loops["total"]["explanation"]


def test_the_cheat_earns_nothing_from_forged_reports_or_impostors(hostile) -> None:
    cheat = {r["question"]: r for r in hostile["rows"] if r["student"] == "atk-cheat"}
    assert all(float(r["score"]) == 0 for r in cheat.values())
    assert {r["status"] for q, r in cheat.items() if q != "total"} == {"no answer"}


def test_several_notebooks_of_one_student_grade_the_latest_and_say_so(hostile) -> None:
    s01 = totals(hostile["rows"])["s01"]
    assert s01["notebook"] == f"s01/{A}.ipynb" and f"old/{A}.ipynb" in s01["explanation"]


def _process_names() -> list[str]:
    names = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                names.append(Path(f"/proc/{entry}/comm").read_text().strip())
            except OSError:
                continue
    return names


def test_no_file_changed_outside_the_gradebook_and_no_process_left_behind(hostile) -> None:
    assert hostile["after"] == hostile["before"]
    assert (hostile["outside"] / "precious.txt").read_text() == "keep me"
    assert not Path("/tmp/left-behind").exists()
    # The kernel kills what is left in a submission's PID namespace when it ends; on a loaded machine the last
    # of them may take a moment to be reaped. A real escapee runs for 120 s: ten seconds of patience still catch it.
    deadline = time.monotonic() + 10
    while ESCAPEE in (names := _process_names()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ESCAPEE not in names, "a double fork outlived its submission"
    from workbook.exercises.cgroups import PREFIX, hierarchies

    for hierarchy in hierarchies():
        for group in hierarchy.root.glob(PREFIX + "*"):
            owner = group.name.removeprefix(PREFIX).split("-")[0]
            assert Path(f"/proc/{owner}").exists(), f"{group} was left behind"


def test_the_gradebook_is_private_and_the_earlier_one_was_replaced(hostile) -> None:
    out = hostile["out"]
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert not any(r["student"] in EARLIER for r in hostile["rows"])


def test_a_second_run_after_the_attacks_grades_good_students_fully(hostile, tmp_path: Path) -> None:
    folder = tmp_path / "next"
    for student in ("stu-next-1", "stu-next-2"):
        (folder / student).mkdir(parents=True)
        (folder / student / f"{A}.ipynb").write_text(solution(A, student))
    out = tmp_path / "grades" / "next.csv"
    out.parent.mkdir()
    assert _grade(folder, hostile["dist"], out).returncode == 0
    assert all(float(r["score"]) == 9 for r in totals(_rows(out)).values())

