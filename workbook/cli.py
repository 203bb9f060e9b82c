"""The ``ip-workbook`` command: copy the chapters and exercises somewhere, or open them in JupyterLab.

A wheel carries the chapter notebooks and the exercises inside the package
(``workbook/_content``, put there at build time by ``setup.py``); a checkout
or an editable install reads them from the repository itself.

    ip-workbook copy DEST        copy chapters/ and exercises/ into DEST (never overwrites a learner's file)
    ip-workbook lab [DEST]       copy them into DEST (default ./ip-workbook) if needed, open JupyterLab there
    ip-workbook where            print the folder the notebooks are copied from

>>> [path.relative_to(content_root()).as_posix() for path in content_folders()]
['chapters', 'exercises']
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

__all__ = ["FIRST_CHAPTER", "content_folders", "content_root", "copy_content", "main"]

CONTENT = ("chapters", "exercises")
#: The notebook JupyterLab opens first.
FIRST_CHAPTER = "chapters/00_orientation.ipynb"
#: Build output and editor litter that never ships or gets copied.
IGNORED = ("_build", "dist", ".ipynb_checkpoints", "__pycache__", "*.pyc", ".*")


def content_root() -> Path:
    """The folder holding ``chapters/`` and ``exercises/``: inside the installed package, or the checkout."""
    packaged = Path(__file__).resolve().parent / "_content"
    if (packaged / "chapters").is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "chapters").is_dir():
        return checkout
    raise FileNotFoundError(
        f"no chapters in {packaged} nor in {checkout}: this installation of ip-workbook was built without "
        "its notebooks; reinstall it from a wheel or a checkout (pip install ip-workbook)")


def content_folders() -> list[Path]:
    """``chapters/`` and ``exercises/`` as a learner gets them.

    The exercises are the student versions (no solutions, no hidden tests), in a
    wheel and in a checkout alike: ``python -m workbook.exercises build --publish
    exercises`` makes them from the instructor's masters, which live in
    ``instructor/`` and are never copied.
    """
    root = content_root()
    return [folder for folder in (root / "chapters", root / "exercises") if folder.is_dir()]


def copy_content(destination: str | Path, overwrite: bool = False) -> tuple[list[Path], list[Path]]:
    """Copy the notebooks into ``destination``; return (copied, kept) file paths.

    A file that already exists is kept unless ``overwrite``: a learner's edited
    notebook is never replaced by a fresh one.
    """
    destination = Path(destination)
    copied: list[Path] = []
    kept: list[Path] = []
    ignore = shutil.ignore_patterns(*IGNORED)
    for name, folder in zip(CONTENT, content_folders(), strict=True):
        for source in _files(folder, ignore):
            target = destination / name / source.relative_to(folder)
            if target.exists() and not overwrite:
                kept.append(target)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            copied.append(target)
    return copied, kept


def _files(folder: Path, ignore) -> list[Path]:
    found = []
    for directory, subdirectories, names in os.walk(folder):
        skipped = ignore(directory, [*subdirectories, *names])
        subdirectories[:] = sorted(d for d in subdirectories if d not in skipped)
        found.extend(Path(directory) / name for name in sorted(names) if name not in skipped)
    return found


def _version() -> str:
    try:
        return metadata.version("ip-workbook")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _copy(arguments: argparse.Namespace) -> int:
    copied, kept = copy_content(arguments.destination, overwrite=arguments.overwrite)
    print(f"copied {len(copied)} files into {Path(arguments.destination).resolve()}")
    if kept:
        print(f"kept {len(kept)} files that were already there (your work); --overwrite replaces them:")
        for path in kept:
            print(f"  {path}")
    return 0


def _lab(arguments: argparse.Namespace, extra: Sequence[str]) -> int:
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        print("JupyterLab is not installed here: pip install 'ip-workbook[lab]'", file=sys.stderr)
        return 1
    destination = Path(arguments.destination).resolve()
    copied, _kept = copy_content(destination)
    if copied:
        print(f"copied {len(copied)} files into {destination}")
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={destination}", *extra]
    if (destination / FIRST_CHAPTER).exists():
        command.insert(3, FIRST_CHAPTER)
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        command.append("--allow-root")
    return subprocess.call(command, cwd=destination)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ip-workbook`` command with ``argv`` (default: the command line); return its exit status."""
    parser = argparse.ArgumentParser(prog="ip-workbook", description="IP Workbook: the IP layer, by doing.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    copy = commands.add_parser("copy", help="copy chapters/ and exercises/ into a folder")
    copy.add_argument("destination", type=Path)
    copy.add_argument("--overwrite", action="store_true", help="replace files that already exist")
    lab = commands.add_parser("lab", help="open JupyterLab on a copy of the notebooks (extra options go to it)")
    lab.add_argument("destination", nargs="?", default="ip-workbook", type=Path,
                     help="folder for the copy (default ./ip-workbook); files already there are kept")
    commands.add_parser("where", help="print the folder the notebooks are copied from")
    arguments, extra = parser.parse_known_args(argv)
    if extra and arguments.command != "lab":
        parser.error(f"unrecognised arguments: {' '.join(extra)}")
    if arguments.command == "copy":
        return _copy(arguments)
    if arguments.command == "lab":
        return _lab(arguments, extra)
    print(content_root())
    return 0


if __name__ == "__main__":
    sys.exit(main())
