"""The two ways to install convlab agree: environment.yml (conda-forge, for Binder) lists
the same pinned packages as pyproject.toml, PyTorch is the CPU build, and the README's two
commands are the ones the Makefile and CI run."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# conda-forge names for the PyPI packages whose names differ there
CONDA_NAMES = {"torch": "pytorch", "matplotlib": "matplotlib-base"}


def pyproject_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    pins = {}
    for requirement in requirements:
        name, version = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9.]+)", requirement).groups()
        pins[name.lower()] = version
    return pins


def conda_pins():
    """name -> (version, build) from the conda part of environment.yml."""
    pins = {}
    dependencies = (ROOT / "environment.yml").read_text().split("dependencies:")[1]
    for line in dependencies.splitlines():
        match = re.fullmatch(r"  - ([A-Za-z0-9_.-]+)(?:=([0-9.]+))?(?:=(\S+))?", line)
        if match:
            pins[match.group(1).lower()] = match.group(2), match.group(3)
    return pins


def test_every_requirement_is_pinned_exactly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9.]+", requirement), requirement


def test_environment_yml_lists_the_same_packages_and_versions():
    pins, conda = pyproject_pins(), conda_pins()
    expected = {CONDA_NAMES.get(name, name): version for name, version in pins.items()}
    listed = {name: version for name, (version, _) in conda.items() if name not in ("python", "pip")}
    assert listed == expected


def test_pytorch_is_the_cpu_build_and_torchvision_is_absent():
    assert pyproject_pins()["torch"] == "2.13.0"
    version, build = conda_pins()["pytorch"]
    assert build.startswith("cpu")
    assert "torchvision" not in pyproject_pins() and "torchvision" not in conda_pins()


def test_environment_yml_installs_convlab_itself():
    assert re.search(r"^  - pip:\n      - -e \.$", (ROOT / "environment.yml").read_text(), flags=re.M)


def test_readme_commands_are_what_make_and_ci_run():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^(make \w+)$", readme, flags=re.M)
    assert commands[:2] == ["make lab", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab: ", makefile, flags=re.M) and re.search(r"^test: ", makefile, flags=re.M)
    ci = (ROOT / ".ci" / "run").read_text()
    assert [line for line in ci.splitlines() if line and not line.startswith("#")][-1] == "make test"


# import name → distribution name, where they differ
DISTRIBUTIONS = {"PIL": "pillow", "IPython": "ipython"}


def imported_modules(paths):
    """Top-level modules imported by Python files and notebook code cells under `paths`."""
    import ast
    import sys

    import nbformat

    sources = []
    for path in paths:
        for file in sorted((ROOT / path).rglob("*")):
            if file.suffix == ".py":
                sources.append(file.read_text())
            elif file.suffix == ".ipynb" and ".ipynb_checkpoints" not in file.parts:
                sources += [c.source for c in nbformat.read(file, as_version=4).cells if c.cell_type == "code"]
    local = {file.stem for path in paths for file in (ROOT / path).rglob("*.py")}  # e.g. tests/browser.py
    names = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in {"convlab", "tests", *local}}


def test_every_imported_package_is_pinned_in_both_files():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {re.split("==", r)[0].lower() for r in project["dependencies"]}
    testing = runtime | {re.split("==", r)[0].lower() for r in project["optional-dependencies"]["test"]}
    conda = set(conda_pins())
    for paths, allowed in ((["convlab", "notebooks", "tools"], runtime), (["tests"], testing)):
        for module in imported_modules(paths):
            name = DISTRIBUTIONS.get(module, module).lower()
            assert name in allowed, f"{module} is imported under {paths} but not pinned in pyproject.toml"
            assert CONDA_NAMES.get(name, name) in conda, f"{module} is imported but not listed in environment.yml"
    assert {"torch", "numpy", "ipywidgets", "pillow", "ipython"} <= {DISTRIBUTIONS.get(m, m).lower()
                                                                    for m in imported_modules(["convlab"])}


def test_the_binder_links_open_notebooks_that_exist():
    readme = (ROOT / "README.md").read_text()
    link = r"mybinder\.org/v2/gh/[^)\s]+\?urlpath=(?:lab/tree|voila/render)/(notebooks/[\w.]+\.ipynb)"
    targets = re.findall(link, readme)
    assert "notebooks/00_index.ipynb" in targets  # the badge opens the index
    assert all((ROOT / target).is_file() for target in targets), targets


def test_present_and_html_are_make_targets_the_readme_documents():
    makefile, readme = (ROOT / "Makefile").read_text(), (ROOT / "README.md").read_text()
    assert re.search(r"^present: .*\n(\t.*\n)*\t.*-m voila notebooks", makefile, flags=re.M)
    assert re.search(r"^html: .*\n(\t.*\n)*\t.*tools/static_site\.py", makefile, flags=re.M)
    assert "make present" in readme and "make html" in readme
