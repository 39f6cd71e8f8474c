"""What `pip install .` puts in the wheel: the app's Python packages and nothing else of the checkout.

The packages are read as the build reads them, with setuptools' own expansion of pyproject.toml's
`[tool.setuptools.packages.find]`, which is cheaper than building a wheel and gives the same list.
Left out, a subpackage (migrations, planning.exports) would be missing from an installed app; let
in, `tests` or `benchmarks` would be installed as top-level packages of those names into every
environment that installs Rallypoint.
"""

from pathlib import Path

from setuptools.config.pyprojecttoml import read_configuration

ROOT = Path(__file__).resolve().parents[1]
# `core` is counted once it exists in the checkout.
RUNTIME = ("core", "live", "goals", "planning", "room", "workshop")
NOT_RUNTIME = ("tests", "benchmarks", "deploy", "templates", "static", "docs", "requirements")


def setuptools_config() -> dict:
    return read_configuration(ROOT / "pyproject.toml", expand=True)["tool"]["setuptools"]


def packages_on_disk(top_level: str) -> set[str]:
    return {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / top_level).rglob("__init__.py")}


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
    assert set(setuptools_config()["packages"]) == expected


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
