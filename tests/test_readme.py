"""The README stays a newcomer's page: short, documenting every exit code, and pointing only
at documents that exist (the details live in docs/)."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
DOCS = sorted((ROOT / "docs").glob("*.md"))
LOCAL_LINK = re.compile(r"\]\((?!https?://)([^)#]+)(?:#[^)]*)?\)")
ANCHORED_LINK = re.compile(r"\]\((?!https?://)([^)#]+)#([^)]+)\)")


def anchors(doc):
    """The anchors GitHub gives a document's headings."""
    headings = re.findall(r"^#+ (.+)$", doc.read_text(), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_the_readme_stays_under_160_lines():
    assert len(README.splitlines()) < 160


def test_every_doc_the_readme_links_to_exists():
    links = LOCAL_LINK.findall(README)
    assert "docs/syncing.md" in links
    assert [link for link in links if not (ROOT / link).is_file()] == []


def test_every_doc_in_docs_is_linked_from_the_readme():
    assert [doc.name for doc in DOCS if f"(docs/{doc.name})" not in README] == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_doc_links_only_to_files_that_exist(doc):
    links = LOCAL_LINK.findall(doc.read_text())
    assert [link for link in links if not (doc.parent / link).is_file()] == []


@pytest.mark.parametrize("code", ["| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 4 |", "| 5 |"])
def test_the_readme_documents_each_exit_code(code):
    assert code in README


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_section_a_doc_links_to_exists(doc):
    links = ANCHORED_LINK.findall(doc.read_text())
    assert [
        (link, anchor) for link, anchor in links if anchor not in anchors(doc.parent / link)
    ] == []


def test_every_job_directory_the_docs_suggest_is_ignored_by_git():
    jobdirs = set(
        re.findall(r"JOBDIR=(\w[\w./-]*)", "\n".join([README, *map(Path.read_text, DOCS)]))
    )
    relative = sorted(path for path in jobdirs if not path.startswith(("/", "$")))
    assert "crawls/sync-1" in relative
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *relative], cwd=ROOT, capture_output=True, text=True
    )
    assert result.stdout.split() == relative
