"""The egg that ``scrapyd-deploy`` builds for Scrapyd (docs/operations.md: "Scheduled runs on Scrapyd").

Only the package goes in; Scrapyd's environment installs requirements.txt. Committed so
that a deploy leaves no untracked file behind (just the ignored build/ and *.egg-info).
"""

from setuptools import find_packages, setup

setup(
    name="matter_certis",
    version="1.0",
    # The package alone: the replica, the tests and the benchmarks stay in the repository.
    packages=find_packages(include=["matter_certis", "matter_certis.*"]),
    package_data={"matter_certis": ["datasette/*.yml", "datasette/plugins/*.py"]},
    entry_points={"scrapy": ["settings = matter_certis.settings"]},
)
