"""A test that needs a system tool the machine lacks is skipped, saying which package to
install; where ``MATTER_CERTIS_STRICT_SKIPS=1`` (.ci/run, which installs every tool) a skip
fails the run instead, naming the test and why it was skipped. Each case runs pytest on a
small test module with the rule of tests/conftest.py (pytest's ``pytester``)."""

import pytest

from tests.conftest import STRICT_SKIPS

REASON = "no frobnicator: apt-get install frobnicator"
# A skip from each place the suite has one: the test's body, a fixture (the ``postgres``
# fixture), a skipif marker (the Chromium test), the module itself.
SKIPS = {
    "body": f"""
        import pytest

        def test_needs_the_tool():
            pytest.skip("{REASON}")
    """,
    "fixture": f"""
        import pytest

        @pytest.fixture
        def tool():
            pytest.skip("{REASON}")

        def test_needs_the_tool(tool):
            pass
    """,
    "marker": f"""
        import pytest

        @pytest.mark.skipif(True, reason="{REASON}")
        def test_needs_the_tool():
            pass
    """,
    "module": f"""
        import pytest

        pytest.skip("{REASON}", allow_module_level=True)

        def test_needs_the_tool():
            pass
    """,
}
RULE = "from tests.conftest import pytest_make_collect_report, pytest_runtest_makereport\n"


def run(pytester, monkeypatch, source, strict):
    if strict:
        monkeypatch.setenv(STRICT_SKIPS, "1")
    else:
        monkeypatch.delenv(STRICT_SKIPS, raising=False)
    pytester.makeconftest(RULE)
    pytester.makepyfile(test_tool=source, test_other="def test_runs():\n    pass\n")
    # -p no:twisted: this process's reactor is installed already.
    return pytester.runpytest("-p", "no:twisted", "-p", "no:cacheprovider", "-rfEs")


@pytest.mark.parametrize("where", SKIPS)
def test_without_the_variable_a_skip_passes_the_run_and_says_what_to_install(
    pytester, monkeypatch, where
):
    result = run(pytester, monkeypatch, SKIPS[where], strict=False)
    assert result.ret == pytest.ExitCode.OK
    assert result.parseoutcomes() == {"passed": 1, "skipped": 1}
    result.stdout.fnmatch_lines([f"SKIPPED *{REASON}"])


@pytest.mark.parametrize("where", SKIPS)
def test_under_the_variable_a_skip_fails_the_run_naming_the_test_and_the_reason(
    pytester, monkeypatch, where
):
    result = run(pytester, monkeypatch, SKIPS[where], strict=True)
    assert result.ret not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
    assert "skipped" not in result.parseoutcomes()
    result.stdout.fnmatch_lines(
        [
            f"skipped, but {STRICT_SKIPS} is set (CI installs every tool): {REASON}",
            "*short test summary info*",
            "* test_tool.py* - skipped, but *",
        ],
        consecutive=False,
    )


def test_under_the_variable_a_run_without_skips_passes(pytester, monkeypatch):
    result = run(pytester, monkeypatch, "def test_runs_too():\n    pass\n", strict=True)
    assert result.ret == pytest.ExitCode.OK
    assert result.parseoutcomes() == {"passed": 2}


def test_under_the_variable_an_expected_failure_stays_one(pytester, monkeypatch):
    source = "import pytest\n\n@pytest.mark.xfail(reason='known')\ndef test_known():\n    1 / 0\n"
    result = run(pytester, monkeypatch, source, strict=True)
    assert result.ret == pytest.ExitCode.OK
    assert result.parseoutcomes() == {"passed": 1, "xfailed": 1}
