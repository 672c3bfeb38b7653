"""Maps the top-level folders onto the import package ``vats`` (see pyproject.toml) and ships
every file in them: modules, and the data beside them (SQL migrations, sounds, Asterisk
templates, the sample numbering plan, shell scripts), so a wheel works like the checkout."""

from pathlib import Path

from setuptools import find_namespace_packages, setup

FOLDERS = ("core", "plugins", "bots")
NOT_SHIPPED = {".pyc", ".pyo"}

# Data folders (migrations/, sounds/, templates/...) are packages too, without __init__.py:
# setuptools then ships their files instead of warning that they are outside every package.
folders = [p for p in find_namespace_packages(include=[f"{f}*" for f in FOLDERS]) if "__pycache__" not in p]
packages = [f"vats.{p}" for p in folders]


def data_files(folder: str) -> list[str]:
    """Every file of the folder itself that is not Python source: whatever is added there ships."""
    return sorted(
        path.name
        for path in Path(folder.replace(".", "/")).iterdir()
        if path.is_file() and path.suffix != ".py" and path.suffix not in NOT_SHIPPED
    )


setup(
    packages=packages,
    package_dir={f"vats.{f}": f for f in FOLDERS},
    package_data={f"vats.{p}": files for p in folders if (files := data_files(p))},
)
