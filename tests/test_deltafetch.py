"""Where deltafetch keeps its store (``store_dir``): Scrapyd runs the project from an egg,
with no ``scrapy.cfg`` nearby, and scrapy-deltafetch would then switch itself off."""

from scrapy.settings import Settings

from matter_certis.deltafetch import store_dir
from tests.crawling import PROJECT_ROOT


def test_an_absolute_dir_is_used_as_it_is(tmp_path):
    assert store_dir(Settings({"DELTAFETCH_DIR": str(tmp_path / "store")})) == str(tmp_path / "store")


def test_a_relative_dir_goes_under_the_project_data_dir_beside_scrapy_cfg(monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT / "tests")
    assert store_dir(Settings({"DELTAFETCH_DIR": "deltafetch"})) == str(
        PROJECT_ROOT / ".scrapy" / "deltafetch")


def test_without_scrapy_cfg_a_relative_dir_goes_under_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert store_dir(Settings()) == str(tmp_path / ".scrapy" / "deltafetch")
