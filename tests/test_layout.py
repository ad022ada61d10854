"""The package's layout rules, checked on its source: the listing planner is plain Python,
no module reaches into Scrapy's private parts, every exception has one home, no module
outgrows a reader."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "matter_certis"
MODULES = sorted(PACKAGE.rglob("*.py"))
MOST_LINES = 300


def imported(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or ""


@pytest.mark.parametrize("path", sorted((PACKAGE / "listing").glob("*.py")), ids=str)
def test_the_listing_planner_imports_neither_scrapy_nor_the_database(path):
    forbidden = [
        name
        for name in imported(path)
        if name.split(".")[0] in ("scrapy", "twisted", "peewee")
        or name.startswith("matter_certis.db")
    ]
    assert forbidden == []


def test_importing_the_listing_planner_brings_in_neither_scrapy_nor_the_database():
    code = (
        "import sys, matter_certis.listing.planner\n"
        "print([m for m in ('scrapy', 'peewee', 'matter_certis.db') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent, check=True
    )
    assert result.stdout.strip() == "[]"


def test_loading_every_module_of_the_project_brings_in_no_tool_few_runs_use():
    """A crawl loads every command module (``scrapy`` lists them); the terminal's bar
    (tqdm, 1 MB) and XLSX files (openpyxl) are loaded by the runs that use them."""
    code = (
        "import sys\n"
        "from scrapy.utils.misc import walk_modules\n"
        "walk_modules('matter_certis')\n"
        "print([m for m in ('tqdm', 'openpyxl') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent, check=True
    )
    assert result.stdout.strip() == "[]"


def test_no_module_uses_a_private_name_of_scrapy():
    private = re.compile(r"\.(_engine|_slot|_downloader|_get_key|_create_crawler|_retry)\b")
    assert [str(path) for path in MODULES if private.search(path.read_text())] == []


def test_every_exception_the_project_defines_is_in_exceptions_py():
    defined = [
        f"{path.relative_to(PACKAGE)}: {node.name}"
        for path in MODULES
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
        and any(
            getattr(base, "id", getattr(base, "attr", "")).endswith(("Error", "Exception"))
            or getattr(base, "id", "") in ("IgnoreRequest",)
            for base in node.bases
        )
    ]
    assert len(defined) >= 8  # SpiderArgumentError, MalformedPage, UnusablePage, ...
    assert all(entry.startswith("exceptions.py") for entry in defined), defined


def test_no_module_is_longer_than_a_reader_keeps_in_mind():
    long = {str(p): n for p in MODULES if (n := len(p.read_text().splitlines())) > MOST_LINES}
    assert long == {}
