"""What `pip install .` puts in the wheel: the app's Python packages and what they serve, templates
and static files, and nothing else of the checkout; and that the installed wheel serves.

The package list is read as the build reads it, with setuptools' own expansion of pyproject.toml,
and held to the folders on disk: left out, a subpackage (migrations, planning.exports) would be
missing from an installed app; let in, `tests` or `benchmarks` would be installed as top-level
packages of those names into every environment that installs Rallypoint. The last test builds
the wheel, installs it into a folder of its own, and serves pages and a static file from there,
with the checkout out of reach.
"""

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from setuptools.config.pyprojecttoml import read_configuration

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = (
    "core",
    "live",
    "goals",
    "planning",
    "room",
    "clients",
    "frameworks",
    "jobs",
    "outbound",
    "mail",
    "calendars",
    "webhooks",
    "chat",
    "workshop",
)
# The top-level folders the app serves, and the data packages the wheel ships them as.
DATA = {"rallypoint_templates": "templates", "rallypoint_static": "static"}
NOT_RUNTIME = ("tests", "benchmarks", "deploy", "templates", "static", "docs", "requirements")


def setuptools_config() -> dict:
    return read_configuration(ROOT / "pyproject.toml", expand=True)["tool"]["setuptools"]


def packages_on_disk(top_level: str) -> set[str]:
    return {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / top_level).rglob("__init__.py")}


def files_on_disk(folder: str) -> set[str]:
    return {
        str(path.relative_to(ROOT / folder))
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_the_wheel_holds_every_runtime_package_and_its_subpackages():
    expected = set().union(*(packages_on_disk(name) for name in RUNTIME))
    assert {
        "live",
        "live.migrations",
        "goals",
        "goals.migrations",
        "planning",
        "planning.migrations",
        "room",
        "workshop",
    } <= expected
    assert set(setuptools_config()["packages"]) == expected | set(DATA)


def test_templates_and_static_are_shipped_from_where_they_are():
    config = setuptools_config()
    assert config["package-dir"] == DATA
    for package in DATA:
        assert config["package-data"][package] == ["**/*"]


def test_nothing_else_of_the_checkout_gets_into_the_wheel():
    config = setuptools_config()
    top_level = {name.split(".")[0] for name in config["packages"]}
    assert (ROOT / "tests" / "__init__.py").exists(), "tests is a package: the check below means something"
    assert top_level.isdisjoint(NOT_RUNTIME)
    assert not config.get("py-modules"), "manage.py and other top-level modules stay in the checkout"


def test_the_wheel_carries_the_openapi_description():
    """`GET /api/openapi.json` reads the file beside workshop/openapi.py, so the wheel ships it."""
    assert (ROOT / "workshop" / "openapi.json").is_file()
    assert "openapi.json" in setuptools_config()["package-data"]["workshop"]


# Run in a folder of its own with only the installed wheel on PYTHONPATH (the virtualenv has the
# dependencies), as docs/deploy.md runs a release: migrate, collectstatic, serve.
SERVE_INSTALLED = """
import sys
from pathlib import Path

import django

django.setup()
import workshop
from django.core.management import call_command
from django.test import Client

site = Path(sys.argv[1])
assert Path(workshop.__file__).is_relative_to(site), workshop.__file__
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
client = Client()
for url, text in [("/", b"Rallypoint"), ("/accounts/login/", b'name="password"')]:
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    assert text in page.content, (url, page.content[:300])
css = client.get("/static/css/app.css")
assert css.status_code == 200, css.status_code
sys.stdout.buffer.write(b"".join(css.streaming_content))
"""


def test_the_installed_wheel_migrates_and_serves_pages_and_static_files(tmp_path):
    started = time.monotonic()
    source = tmp_path / "source"
    # A copy, so that the build's build/ and egg-info stay out of the checkout.
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", "*.sqlite3*", "staticfiles", "build", "*.egg-info", ".*cache", "tests"
        ),
    )
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    # The build backend is the pinned setuptools of the dev dependencies: nothing is downloaded.
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", tmp_path / "dist", source]
    subprocess.run(build, check=True)  # noqa: S603 (our own interpreter, fixed arguments)
    (wheel,) = (tmp_path / "dist").glob("rallypoint-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for package, folder in DATA.items():
        assert {f"{package}/{name}" for name in files_on_disk(folder)} <= names, folder
    assert not {name for name in names if name.split("/")[0] in NOT_RUNTIME}

    site = tmp_path / "site"
    install = [*pip, "install", "--no-deps", "--no-index", "--target", site, wheel]
    subprocess.run(install, check=True)  # noqa: S603 (our own interpreter, fixed arguments)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "PYTHON", "REDIS"))}
    environment.update(
        PYTHONPATH=str(site),
        DJANGO_SETTINGS_MODULE="workshop.settings",
        SECRET_KEY="packaging-test-" + "x" * 40,
        ALLOWED_HOSTS="testserver",
        HTTPS="0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "staticfiles"),
    )
    served = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", SERVE_INSTALLED, str(site)],
        cwd=elsewhere,
        env=environment,
        capture_output=True,
        check=False,
    )
    assert served.returncode == 0, served.stderr.decode()[-3000:]
    assert served.stdout == (ROOT / "static" / "css" / "app.css").read_bytes()
    print(f"built, installed and served the wheel in {time.monotonic() - started:.1f} s")


@pytest.mark.parametrize(("package", "folder"), DATA.items())
def test_a_checkout_serves_its_own_folders(package, folder):
    """In a checkout the folders are read where they are, even with a wheel installed beside it."""
    from django.conf import settings

    expected = ROOT / folder
    found = settings.TEMPLATES[0]["DIRS"] if folder == "templates" else settings.STATICFILES_DIRS
    assert found == [expected], package
