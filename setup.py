"""One build step on top of pyproject.toml: the wheel carries the chapters and the exercises as workbook/_content.

``ip-workbook copy`` and ``ip-workbook lab`` (workbook/cli.py) read them from
there; a checkout or an editable install reads the repository's own folders.
The sdist carries both folders too (MANIFEST.in), so a wheel built from it is
the same.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# name in the wheel: folder in the checkout. exercises/ holds the student versions; the masters (instructor/) never
# ship.
CONTENT = {"chapters": "chapters", "exercises": "exercises"}
IGNORED = shutil.ignore_patterns("_build", "dist", ".ipynb_checkpoints", "__pycache__", "*.pyc", ".*")


class build_py_with_notebooks(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "workbook" / "_content"
        shutil.rmtree(target, ignore_errors=True)
        for name, folder in CONTENT.items():
            if (HERE / folder).is_dir():
                shutil.copytree(HERE / folder, target / name, ignore=IGNORED)


setup(cmdclass={"build_py": build_py_with_notebooks})
