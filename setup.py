"""Maps the top-level folders onto the import package ``vats`` (see pyproject.toml)."""

from setuptools import find_packages, setup

FOLDERS = ("core", "plugins", "bots")

packages = [f"vats.{name}" for name in find_packages(include=[f"{f}*" for f in FOLDERS])]
setup(packages=packages, package_dir={f"vats.{f}": f for f in FOLDERS})
