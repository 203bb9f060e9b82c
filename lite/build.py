"""Build IP Workbook's JupyterLite site: the chapters, the engine and the widgets on the Pyodide kernel, no server.

    python lite/build.py                 # -> lite/_output (serve it with any static server)
    python lite/build.py --out DIR       # elsewhere
    ./run.sh lite                        # the same, in the project's venv, then serves it on 127.0.0.1:8000

Everything the site needs is fetched at build time from the package registries
and copied into the site, so once loaded it works offline:

* npm (``lite/package.json``, pinned by ``lite/package-lock.json``): the Pyodide
  core (``pyodide``; its version is the one the pinned jupyterlite-pyodide-kernel
  expects) and Graphviz compiled to WebAssembly (``@viz-js/viz``), which draws the
  diagrams in the page since the ``dot`` program cannot run in a browser;
* PyPI: the pure-Python wheels the kernel loads (the versions Pyodide's own lock
  file names for micropip, IPython, jedi and their dependencies; the workbook's
  own needs from ``lite/requirements-pyodide.txt``), PyYAML's sdist (PyPI has no
  Pyodide wheel, so its pure-Python code is packed into a ``py3-none-any``
  wheel: PyYAML works without libyaml), and the front ends of the kernel and of
  ipywidgets as wheels;
* this checkout: the workbook's wheel (without the instructor's grader: see
  ``GRADER_ONLY``), the chapters in ``chapters/`` and the exercises' student
  versions in ``exercises/`` (the repository's layout, so the chapters' links to
  their exercises work). Nothing of the masters (``instructor/``), their hidden
  tests or otter-grader ships: the exercises check themselves with the engine
  (``workbook.exercises``), which runs in Pyodide.

``static/pyodide/pyodide-lock.json`` is rewritten to name only the wheels that
ship in the site (with their hashes), every one of them preloaded when the kernel
starts, and the PyPI fall-back of piplite is turned off: nothing is fetched from
a CDN or PyPI at run time. Downloads are kept in ``lite/.cache`` between builds.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from email.parser import Parser
from pathlib import Path

LITE = Path(__file__).resolve().parent
ROOT = LITE.parent
DEFAULT_OUT = LITE / "_output"
DEFAULT_CACHE = LITE / ".cache"

#: The kernel front end and Python-side build add-ons; its Pyodide version must be the npm `pyodide` pin.
PYODIDE_KERNEL = "jupyterlite-pyodide-kernel==0.8.6"
#: ipywidgets' front end, matching ipywidgets in requirements-pyodide.txt.
WIDGETS_FRONT_END = "jupyterlab_widgets==3.0.17"
#: Packages Pyodide's lock names that the kernel needs at start (their dependencies follow from the lock).
KERNEL_ROOTS = ["micropip", "ipython", "jedi"]
#: Requirements left out of the Pyodide lock on purpose (the front ends are in the page; numpy is lazy).
LEFT_OUT = {"numpy", "widgetsnbextension", "jupyterlab-widgets"}
#: Where the page finds @viz-js/viz, relative to the site's root (workbook/render/browser.py uses the same path).
VIZ_IN_SITE = "static/ip-workbook/viz.js"
#: The chapters the site opens; their kernelspec is rewritten to the Pyodide kernel's.
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9A-Z]*.ipynb"))
#: The exercises' student versions (built from instructor/ by ``python -m workbook.exercises build``).
EXERCISES = sorted((ROOT / "exercises").glob("[0-9]*.ipynb"))
#: The instructor's side of workbook.exercises: building from the masters, grading, the sandbox, reports. The
#: learner's side never imports them (tests/exercises/test_student_side.py), so the site's wheel leaves them out,
#: and the copies of the chapters and exercises the wheel carries for ``ip-workbook copy`` (the site has its own).
GRADER_ONLY = tuple(f"workbook/exercises/{name}.py" for name in (
    "__main__", "build", "cgroups", "gradebook", "grading", "isolation", "report", "sandbox", "submissions", "zygote"))
LEFT_OUT_OF_WHEEL = ("workbook/_content/",)
PYODIDE_KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
STAMP = "ip-workbook-lite.json"
#: Exit status when npm or PyPI could not provide something (no network): tests skip on it rather than fail.
FETCH_FAILED = 3


class FetchError(RuntimeError):
    """A registry (npm or PyPI) could not provide what the site bundles: no network, or a missing release."""


def say(message: str) -> None:
    print(f"[lite] {message}", flush=True)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(command: list[str | Path], fetching: bool = False, **kwargs) -> subprocess.CompletedProcess:
    """Run ``command``; its output is shown only when it fails (FetchError when it was fetching)."""
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        message = f"`{' '.join(str(c) for c in command)}` failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        raise (FetchError if fetching else RuntimeError)(message)
    return result


def input_files() -> list[Path]:
    """Every file whose content the site depends on (the test keys its cached build on these)."""
    files = [LITE / name for name in ("build.py", "package.json", "package-lock.json", "jupyter-lite.json",
                                      "requirements-pyodide.txt")]
    files += [ROOT / "pyproject.toml", ROOT / "setup.py", *CHAPTERS, *EXERCISES]
    files += sorted(p for p in (ROOT / "workbook").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return files


def inputs_digest() -> str:
    digest = hashlib.sha256()
    for path in input_files():
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


# ---------------------------------------------------------------- npm


def npm_packages(cache: Path) -> Path:
    """``node_modules`` with the pinned pyodide and @viz-js/viz (``npm ci`` into the cache, reused when unchanged)."""
    npm = shutil.which("npm")
    if npm is None:
        raise FetchError("npm is not installed (Node.js 18 or newer): it fetches Pyodide and @viz-js/viz")
    where = cache / "npm"
    lock = (LITE / "package-lock.json").read_bytes()
    if (where / "package-lock.json").exists() and (where / "package-lock.json").read_bytes() == lock \
            and (where / "node_modules" / "pyodide" / "pyodide.mjs").exists():
        return where / "node_modules"
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    shutil.copy(LITE / "package.json", where)
    shutil.copy(LITE / "package-lock.json", where)
    say("npm ci (pyodide, @viz-js/viz)")
    run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--omit=dev"], fetching=True, cwd=where)
    return where / "node_modules"


# ---------------------------------------------------------------- wheels


def pip_download(specs: list[str], dest: Path, pure: bool = True) -> None:
    """Download ``specs`` (``name==version``) into ``dest``: pure-Python wheels, or sdists when ``pure`` is False."""
    if not specs:
        return
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q", "-d", dest]
    if pure:
        command += ["--only-binary", ":all:", "--platform", "any", "--implementation", "py", "--abi", "none",
                    "--python-version", "3.14"]
    else:  # the sdist of these only: their build tools (Cython, for PyYAML) come as wheels, not compiled here
        command += ["--no-binary", ",".join(canonical(spec.split("==")[0]) for spec in specs)]
    run([*command, *specs], fetching=True)


def find_download(folder: Path, spec: str, suffixes: tuple[str, ...] = (".whl",)) -> Path:
    name, version = spec.split("==")
    stem = "[-_.]".join(re.escape(part) for part in canonical(name).split("-"))
    pattern = re.compile(rf"{stem}-{re.escape(version)}[-.]", re.I)
    for path in sorted(folder.iterdir()):
        if pattern.match(path.name) and path.name.endswith(suffixes):
            return path
    raise FetchError(f"{spec}: pip reported success but no file for it is in {folder}")


def wheel_metadata(wheel: Path) -> tuple[str, str, list[str], list[str]]:
    """(name, version, unconditional requirement names, top-level import names) of a wheel."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(archive.read(meta_name).decode("utf-8"))
    requires = []
    for requirement in meta.get_all("Requires-Dist") or []:
        if ";" in requirement:  # extras and environment markers: not needed in the browser
            continue
        requires.append(canonical(re.match(r"[A-Za-z0-9_.-]+", requirement)[0]))
    imports = sorted({n.split("/")[0] for n in names if n.count("/") == 1 and n.endswith("/__init__.py")}
                     | {n[:-3] for n in names if "/" not in n and n.endswith(".py")})
    return meta["Name"], meta["Version"], requires, imports


def pure_pyyaml_wheel(sdist: Path, dest: Path) -> Path:
    """A ``py3-none-any`` wheel of PyYAML's pure-Python package (``lib/yaml`` of the sdist), without libyaml.

    ``yaml/__init__.py`` imports the C loaders only if ``yaml._yaml`` exists, so this is PyYAML as it runs
    on any Python where its extension was not compiled.
    """
    with tarfile.open(sdist) as archive:
        members = {m.name: m for m in archive.getmembers() if m.isfile()}
        top = sdist.name[: -len(".tar.gz")]
        pkg_info = archive.extractfile(members[f"{top}/PKG-INFO"]).read().decode("utf-8")
        files = {name[len(f"{top}/lib/"):]: archive.extractfile(member).read()
                 for name, member in sorted(members.items())
                 if name.startswith(f"{top}/lib/yaml/") and name.endswith(".py")}
        license_text = archive.extractfile(members[f"{top}/LICENSE"]).read() if f"{top}/LICENSE" in members else b""
    meta = Parser().parsestr(pkg_info)
    version = meta["Version"]
    dist_info = f"pyyaml-{version}.dist-info"
    files[f"{dist_info}/METADATA"] = pkg_info.encode("utf-8")
    files[f"{dist_info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: ip-workbook lite/build.py\n"
                                   b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    files[f"{dist_info}/top_level.txt"] = b"yaml\n"
    if license_text:
        files[f"{dist_info}/licenses/LICENSE"] = license_text
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        writer.writerow([name, f"sha256={digest}", len(data)])
    writer.writerow([f"{dist_info}/RECORD", "", ""])
    files[f"{dist_info}/RECORD"] = record.getvalue().encode()
    wheel = dest / f"pyyaml-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, data)
    return wheel


def workbook_wheel(dest: Path) -> Path:
    """The workbook's wheel as the browser gets it: the learner's side only (see ``GRADER_ONLY``)."""
    for old in dest.glob("ip_workbook-*.whl"):
        old.unlink()
    say("building the workbook's wheel")
    full = dest / f"full-{os.getpid()}"  # two builds sharing a cache (two test runs) must not empty each other's
    shutil.rmtree(full, ignore_errors=True)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q", "-w", full, ROOT],
        fetching=True)
    wheel = next(full.glob("ip_workbook-*.whl"))
    learner = dest / wheel.name
    without(wheel, learner, lambda name: name in GRADER_ONLY or name.startswith(LEFT_OUT_OF_WHEEL))
    shutil.rmtree(full)
    return learner


def without(wheel: Path, out: Path, leave_out) -> None:
    """Copy ``wheel`` to ``out`` without the files ``leave_out(name)`` picks, its RECORD rewritten to match."""
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        record_name = next(n for n in source.namelist() if n.endswith(".dist-info/RECORD"))
        for info in source.infolist():
            if info.filename == record_name or leave_out(info.filename):
                continue
            data = source.read(info)
            target.writestr(info, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            writer.writerow([info.filename, f"sha256={digest}", len(data)])
        writer.writerow([record_name, "", ""])
        target.writestr(source.getinfo(record_name), record.getvalue())


def lock_entry(wheel: Path, depends: list[str]) -> dict:
    name, version, _, imports = wheel_metadata(wheel)
    return {"name": name, "version": version, "file_name": wheel.name, "install_dir": "site",
            "sha256": sha256(wheel), "package_type": "package", "imports": imports, "depends": depends,
            "unvendored_tests": False}


def pyodide_dir(node_modules: Path, cache: Path, stage: Path) -> dict[str, str]:
    """``stage/static/pyodide``: Pyodide's core from npm, the wheels, and a lock file naming only those wheels.

    Returns {package: version} of what the lock holds.
    """
    core = node_modules / "pyodide"
    target = stage / "static" / "pyodide"
    target.mkdir(parents=True)
    for name in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide.js",
                 "package.json"):
        shutil.copy(core / name, target / name)
    upstream = json.loads((core / "pyodide-lock.json").read_text())
    packages = {canonical(k): v for k, v in upstream["packages"].items()}

    # What the kernel itself needs, at the versions Pyodide's lock names.
    needed, todo = [], list(KERNEL_ROOTS)
    while todo:
        name = canonical(todo.pop())
        if name not in needed:
            needed.append(name)
            todo += packages[name]["depends"]
    impure = [n for n in needed if not packages[n]["file_name"].endswith("-none-any.whl")]
    if impure:
        raise RuntimeError(f"these kernel packages have no pure-Python wheel: {impure}")
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    kernel_specs = [f"{packages[n]['name']}=={packages[n]['version']}" for n in sorted(needed)]

    requirements = [line.split("#")[0].strip() for line in (LITE / "requirements-pyodide.txt").read_text().splitlines()]
    requirements = [line for line in requirements if line]
    pyyaml = [r for r in requirements if canonical(r.split("==")[0]) == "pyyaml"]
    workbook_specs = [r for r in requirements if r not in pyyaml]

    missing = [s for s in kernel_specs + workbook_specs if not _have(wheels, s)]
    if missing:
        say(f"pip download {len(missing)} pure-Python wheels from PyPI")
        pip_download(missing, wheels)
    for spec in pyyaml:
        if not _have(wheels, spec, (".tar.gz",)):
            say(f"pip download {spec} (sdist)")
            pip_download([spec], wheels, pure=False)

    lock = {"info": upstream["info"], "packages": {}}
    changed = []
    for name in sorted(needed):
        entry = dict(packages[name])
        wheel = find_download(wheels, f"{entry['name']}=={entry['version']}")
        digest = sha256(wheel)
        if (wheel.name, digest) != (entry["file_name"], entry["sha256"]):
            changed.append(name)
        entry.update(file_name=wheel.name, sha256=digest)
        lock["packages"][name] = entry
        shutil.copy(wheel, target / wheel.name)
    if changed:
        say(f"PyPI's wheels differ from Pyodide's build for {changed}: the lock names PyPI's")

    extra = [find_download(wheels, spec) for spec in workbook_specs]
    extra += [pure_pyyaml_wheel(find_download(wheels, spec, (".tar.gz",)), cache) for spec in pyyaml]
    extra.append(workbook_wheel(cache / "workbook"))
    names = set(lock["packages"]) | {canonical(wheel_metadata(w)[0]) for w in extra}
    for wheel in extra:
        name, _, requires, _ = wheel_metadata(wheel)
        unknown = sorted(set(requires) - names - LEFT_OUT)
        if unknown:
            raise RuntimeError(f"{name} needs {unknown}: add them to lite/requirements-pyodide.txt")
        lock["packages"][canonical(name)] = lock_entry(wheel, sorted(set(requires) & names))
        shutil.copy(wheel, target / wheel.name)
    (target / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
    return {name: entry["version"] for name, entry in sorted(lock["packages"].items())}


def _have(folder: Path, spec: str, suffixes: tuple[str, ...] = (".whl",)) -> bool:
    try:
        find_download(folder, spec, suffixes)
    except (FetchError, FileNotFoundError):
        return False
    return True


def front_ends(cache: Path) -> list[Path]:
    """The kernel's and ipywidgets' JupyterLab extensions, as wheels from PyPI (not whatever is installed here)."""
    folder = cache / "front-ends"
    folder.mkdir(parents=True, exist_ok=True)
    specs = [PYODIDE_KERNEL, WIDGETS_FRONT_END]
    missing = [s for s in specs if not _have(folder, s)]
    if missing:
        say(f"pip download {' '.join(missing)}")
        pip_download(missing, folder)
    return [find_download(folder, s) for s in specs]


# ---------------------------------------------------------------- contents


def stage_contents(stage: Path) -> Path:
    """The chapters and the exercises, as the learner opens them (the Pyodide kernel named), in the repository's
    folders: ``chapters/`` and ``exercises/``."""
    files = stage / "files"
    for folder, notebooks in (("chapters", CHAPTERS), ("exercises", EXERCISES)):
        (files / folder).mkdir(parents=True)
        for path in notebooks:
            notebook = json.loads(path.read_text(encoding="utf-8"))
            notebook.setdefault("metadata", {})["kernelspec"] = dict(PYODIDE_KERNELSPEC)
            text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
            (files / folder / path.name).write_text(text, encoding="utf-8")
    return files


# ---------------------------------------------------------------- build


def check_versions() -> None:
    """The installed jupyterlite-pyodide-kernel must be the pinned one (its Pyodide is the npm pin)."""
    from importlib.metadata import PackageNotFoundError, version

    wanted = PYODIDE_KERNEL.split("==")[1]
    try:
        installed = version("jupyterlite-pyodide-kernel")
        version("jupyterlite-core")
    except PackageNotFoundError as error:
        raise FetchError(f"{error.name} is not installed: pip install '.[lite]'") from None
    if installed != wanted:
        raise RuntimeError(f"jupyterlite-pyodide-kernel {installed} is installed; the site pins {wanted}, "
                           f"whose Pyodide matches lite/package.json: pip install '.[lite]'")
    npm_pyodide = json.loads((LITE / "package.json").read_text())["dependencies"]["pyodide"]
    from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION

    if PYODIDE_VERSION != npm_pyodide:
        raise RuntimeError(f"jupyterlite-pyodide-kernel {installed} expects Pyodide {PYODIDE_VERSION}, "
                           f"lite/package.json pins {npm_pyodide}")


def build(out: Path = DEFAULT_OUT, cache: Path = DEFAULT_CACHE) -> dict:
    """Build the site into ``out``; returns what the stamp file (``out/ip-workbook-lite.json``) records."""
    started = time.monotonic()
    check_versions()
    digest = inputs_digest()
    node_modules = npm_packages(cache)
    stage = cache / f"stage-{os.getpid()}"  # per build: two builds sharing a cache do not trip over each other
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    try:
        return _build(out, cache, stage, node_modules, digest, started)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _build(out: Path, cache: Path, stage: Path, node_modules: Path, digest: str, started: float) -> dict:
    shutil.copy(LITE / "jupyter-lite.json", stage / "jupyter-lite.json")
    packages = pyodide_dir(node_modules, cache, stage)
    contents = stage_contents(stage)
    extensions = front_ends(cache)

    shutil.rmtree(out, ignore_errors=True)
    say(f"jupyter lite build -> {out}")
    # Without SOURCE_DATE_EPOCH: with it, jupyterlite-core 0.8 re-dates every file under the output's parent.
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "JUPYTERLITE_PYODIDE_URL")}
    run([sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", stage, "--output-dir", out,
         "--contents", contents, "--no-sourcemaps", "--no-unused-shared-packages", "--ignore-sys-prefix",
         "--LiteBuildConfig.cache_dir", stage / ".jupyterlite-cache",
         *[f"--LiteBuildConfig.federated_extensions={e}" for e in extensions]], cwd=stage, env=env)

    viz = out / VIZ_IN_SITE
    viz.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(node_modules / "@viz-js" / "viz" / "dist" / "viz.js", viz)
    for name in ("LICENSE", "README.md"):
        if (node_modules / "@viz-js" / "viz" / name).exists():
            shutil.copy(node_modules / "@viz-js" / "viz" / name, viz.parent / f"viz-{name}")

    config = json.loads((out / "jupyter-lite.json").read_text())
    kernel = config["jupyter-config-data"]["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs" and kernel["disablePyPIFallback"] is True, kernel
    versions = json.loads((LITE / "package.json").read_text())["dependencies"]
    stamp = {"inputs": digest, "pyodide": versions["pyodide"], "viz": versions["@viz-js/viz"],
             "kernel": PYODIDE_KERNEL, "packages": packages, "chapters": [c.name for c in CHAPTERS],
             "exercises": [e.name for e in EXERCISES],
             "bytes": sum(p.stat().st_size for p in out.rglob("*") if p.is_file()),
             "seconds": round(time.monotonic() - started, 1)}
    (out / STAMP).write_text(json.dumps(stamp, indent=1) + "\n")
    say(f"built {out} ({stamp['bytes'] / 2**20:.1f} MiB) in {stamp['seconds']} s")
    return stamp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the site goes (default lite/_output)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="downloads kept between builds")
    parser.add_argument("--requirements", action="store_true",
                        help="print the build tools (pyproject.toml's [lite] extra), one a line, and stop")
    arguments = parser.parse_args()
    if arguments.requirements:
        print("\n".join(lite_requirements()))
        return
    try:
        build(arguments.out.resolve(), arguments.cache.resolve())
    except FetchError as error:
        print(f"[lite] cannot build the site: a registry did not answer: {error}", file=sys.stderr)
        sys.exit(FETCH_FAILED)
    except RuntimeError as error:
        sys.exit(f"[lite] cannot build the site: {error}")


def lite_requirements() -> list[str]:
    """The build tools: pyproject.toml's ``lite`` extra (they go in a venv of their own, see ./run.sh lite)."""
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["lite"]


if __name__ == "__main__":
    main()
