"""Packaging claims that hold: pyproject.toml states compatible ranges for what the code imports,
requirements.lock pins the whole environment (CPU torch, no CUDA packages) and drives `make` and
Binder, environment.yml agrees with the lock, and the README's commands are what make and CI run."""

import importlib.metadata
import os
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# conda-forge names for the PyPI packages whose names differ there
CONDA_NAMES = {"torch": "pytorch", "matplotlib": "matplotlib-base"}
# import name → distribution name, where they differ
DISTRIBUTIONS = {"PIL": "pillow", "IPython": "ipython"}
RANGE = re.compile(r"([A-Za-z0-9_.-]+)>=([0-9.]+),<([0-9.]+)")


def normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def release(version):
    """'2.13.0+cpu' → (2, 13, 0): the numeric release, without a local label."""
    return tuple(int(part) for part in version.split("+")[0].split("."))


def project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def requirements():
    """extra ('' for the core) → its requirements, without the extras that name convlab itself."""
    groups = {"": project()["dependencies"], **project()["optional-dependencies"]}
    return {extra: [r for r in reqs if not r.startswith("convlab[")] for extra, reqs in groups.items()}


def declared(*extras):
    return {normalized(RANGE.fullmatch(r).group(1)) for extra in extras for r in requirements()[extra]}


def lock_pins():
    """name → version of every package pinned in requirements.lock."""
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, version = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line).groups()
            pins[normalized(name)] = version
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


def recipe(target):
    """The commands of a Makefile target, continuation lines joined."""
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    match = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", makefile, flags=re.M)
    return match.group(1)


def test_every_requirement_is_a_compatible_range_up_to_the_next_major_release():
    pins = lock_pins()
    for extra, reqs in requirements().items():
        for requirement in reqs:
            match = RANGE.fullmatch(requirement)
            assert match, f"{requirement} (extra {extra!r}) is not of the form name>=low,<high"
            locked = release(pins[normalized(match.group(1))])
            next_major = (locked[0] + 1,) if locked[0] else (0, locked[1] + 1)  # for 0.x the minor is the major
            assert release(match.group(3)) == next_major, f"{requirement}: the upper bound is not the next major"


def test_the_test_extra_brings_every_other_extra():
    assert "convlab[torch,lab,tools]" in project()["optional-dependencies"]["test"]


def test_the_lock_pins_every_declared_requirement_within_its_range():
    pins = lock_pins()
    for requirement in (r for reqs in requirements().values() for r in reqs):
        name, low, high = RANGE.fullmatch(requirement).groups()
        assert normalized(name) in pins, f"{name} is declared in pyproject.toml but not in requirements.lock"
        assert release(low) <= release(pins[normalized(name)]) < release(high), (requirement, pins[normalized(name)])


def test_the_lock_holds_the_cpu_torch_and_no_cuda_packages():
    pins = lock_pins()
    assert pins["torch"] == "2.13.0+cpu"
    cuda = [name for name in pins if name.startswith(("nvidia-", "triton", "cuda-")) or name == "torchvision"]
    assert not cuda, cuda


def test_the_lock_names_no_path_index_or_url_of_this_machine():
    text = LOCK.read_text()
    for pattern in (r"file:/", r"https?://", r"--(extra-)?index-url", r"--find-links", r"(^|\s)/[a-z]"):
        assert not re.search(pattern, text, flags=re.M), pattern


def test_the_lock_header_records_the_command_that_make_lock_runs():
    header = LOCK.read_text().split("\n\n")[0]
    command = re.search(r"^#    (pip-compile .*)$", LOCK.read_text(), flags=re.M).group(1)
    assert "by the following command" in header and command in recipe("lock")
    for option in ("--all-extras", "--no-emit-find-links", "--no-emit-index-url", "--constraint=lock-constraints.txt"):
        assert option in command
    assert re.search(r"^torch==2\.13\.0\+cpu$", (ROOT / "lock-constraints.txt").read_text(), flags=re.M)


def test_the_lock_is_closed_under_its_packages_own_requirements():
    """Every unconditional requirement of a locked package (as installed here) is locked too."""
    pins = lock_pins()
    for name in pins:
        for requirement in importlib.metadata.distribution(name).requires or []:
            if ";" not in requirement:  # markers (extras, platforms, Python versions) aside
                needed = normalized(re.match(r"[A-Za-z0-9_.-]+", requirement).group())
                assert needed in pins, f"{name} requires {requirement}, which requirements.lock does not pin"


def test_the_environment_running_the_tests_is_the_lock():
    """`make` installed exactly the locked versions (and torch is the CPU build)."""
    installed = {name: importlib.metadata.version(name) for name in lock_pins()}
    assert installed == lock_pins()


def test_make_installs_from_the_lock_then_convlab_without_dependencies():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^\$\(INSTALLED\): \$\(LOCK\) pyproject\.toml$", makefile, flags=re.M)
    assert re.search(r"^LOCK := requirements\.lock$", makefile, flags=re.M)
    install = recipe("$(INSTALLED)")
    first, retry = re.findall(r"install --quiet (.*?)-r \$\(LOCK\)", install)
    assert first == "" and retry == "--extra-index-url $(TORCH_CPU_INDEX) "  # the CPU index only on a retry
    assert f"TORCH_CPU_INDEX := {CPU_INDEX}" in makefile
    assert "install --quiet --no-deps --no-build-isolation -e ." in install and install.rstrip().endswith("touch $@")
    for target in ("lab", "unit", "notebooks-test", "browser", "present", "html", "notebooks"):
        assert re.search(rf"^{target}: \$\(INSTALLED\)", makefile, flags=re.M), target


def test_the_readme_says_how_to_get_the_cpu_torch():
    readme = (ROOT / "README.md").read_text()
    assert CPU_INDEX in readme and "requirements.lock" in readme and "2.13.0+cpu" in readme


def test_binder_installs_the_lock_with_the_cpu_index_then_convlab():
    lines = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    assert f"--extra-index-url {CPU_INDEX}" in lines and "-r ../requirements.lock" in lines
    assert (ROOT / "binder" / "../requirements.lock").resolve() == LOCK
    post_build = ROOT / "binder" / "postBuild"
    assert os.access(post_build, os.X_OK)
    assert "pip install --no-cache-dir --no-deps --no-build-isolation -e ." in post_build.read_text()
    python = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert python == "python-3.11" and "with Python 3.11" in LOCK.read_text()


def test_environment_yml_lists_every_direct_dependency_at_its_locked_version():
    pins, conda = lock_pins(), conda_pins()
    expected = {CONDA_NAMES.get(name, name): pins[name].split("+")[0] for name in declared(*requirements())}
    listed = {name: version for name, (version, _) in conda.items() if name not in ("python", "pip")}
    assert listed == expected
    assert conda["python"] == ("3.11", None)


def test_pytorch_is_the_cpu_build_and_torchvision_is_absent():
    version, build = conda_pins()["pytorch"]
    assert build.startswith("cpu")
    assert "torchvision" not in lock_pins() and "torchvision" not in conda_pins()


def test_environment_yml_installs_convlab_itself():
    assert re.search(r"^  - pip:\n      - -e \.$", (ROOT / "environment.yml").read_text(), flags=re.M)


def test_the_version_is_written_once_in_convlab():
    import convlab

    assert project()["dynamic"] == ["version"] and "version" not in project()
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["dynamic"]["version"] == {"attr": "convlab.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", convlab.__version__)
    others = ["pyproject.toml", "README.md", "environment.yml", "Makefile", "binder/requirements.txt"]
    assert not [name for name in others if convlab.__version__ in (ROOT / name).read_text()]


def test_the_license_is_the_one_pyproject_declares():
    assert project()["license"] == "MIT" and project()["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Copyright (c) 2026 the convlab contributors" in text


def test_readme_commands_are_what_make_and_ci_run():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^(make \w+)$", readme, flags=re.M)
    assert commands[:2] == ["make lab", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab: ", makefile, flags=re.M) and re.search(r"^test: ", makefile, flags=re.M)
    ci = (ROOT / ".ci" / "run").read_text()
    assert [line for line in ci.splitlines() if line and not line.startswith("#")][-1] == "make test"


def test_make_test_runs_lint_unit_with_doctests_notebooks_and_browser_each_timed():
    assert re.search(r"^test: lint unit notebooks-test browser$", (ROOT / "Makefile").read_text(), flags=re.M)
    assert "pytest -q --doctest-modules convlab" in recipe("unit")
    assert re.search(r"-n 2 --dist loadfile --nbval-lax --nbval-cell-timeout=\d+ ", recipe("notebooks-test"))
    assert re.search(r"-m browser .*--timeout=\d+ ", recipe("browser"))
    for target in ("lint", "unit", "notebooks-test", "browser"):
        assert "$(call timed," in recipe(target), target


def test_every_test_has_a_time_limit():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert 0 < options["timeout"] <= 600
    assert "pytest-timeout" in declared("test")


def test_make_notebooks_executes_one_notebook_or_all():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^NB \?= notebooks/\*\.ipynb notebooks/zh/\*\.ipynb$", makefile, flags=re.M)  # both editions
    assert "$(PYTHON) tools/notebooks.py execute $(NB)" in recipe("notebooks")


def imported_modules(paths):
    """Top-level modules imported by Python files and notebook code cells under `paths`."""
    import ast
    import sys

    import nbformat

    def python(cell):  # a notebook cell without IPython's magics and shell escapes (%matplotlib, !pip)
        return "\n".join(line for line in cell.splitlines() if not line.lstrip().startswith(("%", "!")))

    sources = []
    for path in paths:
        for file in sorted((ROOT / path).rglob("*")):
            if file.suffix == ".py":
                sources.append(file.read_text())
            elif file.suffix == ".ipynb" and ".ipynb_checkpoints" not in file.parts:
                sources += [python(c.source) for c in nbformat.read(file, as_version=4).cells if c.cell_type == "code"]
    # the project's own modules, e.g. tests/browser.py, examples/stride_explorer.py
    local = {file.stem for path in ("convlab", "tests", "tools", "examples") for file in (ROOT / path).rglob("*.py")}
    names = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in {"convlab", "tests", *local}}


def distributions(paths):
    return {normalized(DISTRIBUTIONS.get(module, module)) for module in imported_modules(paths)}


@pytest.mark.parametrize("paths, extras", [
    (["convlab"], ["", "torch"]),
    (["notebooks"], ["", "torch", "lab"]),
    (["examples"], ["", "torch"]),
    (["tools"], ["", "tools"]),
    (["tests"], ["", "torch", "lab", "tools", "test"]),
])
def test_every_imported_package_is_declared(paths, extras):
    missing = distributions(paths) - declared(*extras)
    assert not missing, f"imported under {paths} but not declared in pyproject.toml (extras {extras}): {missing}"


def test_the_core_dependencies_are_exactly_what_convlab_imports_besides_torch():
    assert declared("") == distributions(["convlab"]) - {"torch"}
    assert {"torch", "numpy", "matplotlib", "ipywidgets", "pillow", "ipython"} <= distributions(["convlab"])


def test_the_binder_links_open_notebooks_that_exist():
    readme = (ROOT / "README.md").read_text()
    link = r"mybinder\.org/v2/gh/[^)\s`]+\?urlpath=(?:lab/tree|voila/render)/(notebooks/[\w./]+\.ipynb)"
    targets = re.findall(link, readme)
    assert "notebooks/00_index.ipynb" in targets  # the badge opens the index
    assert "notebooks/zh/00_index.ipynb" in targets  # and the Chinese section's link the Chinese index
    assert all((ROOT / target).is_file() for target in targets), targets


def apt_packages(path):
    """The Debian packages an apt.txt names, read as repo2docker reads it: one a line, '#' starts a comment."""
    return [line.partition("#")[0].strip() for line in path.read_text().splitlines() if line.partition("#")[0].strip()]


def test_binder_and_make_install_the_cjk_font_for_the_chinese_figures():
    assert "fonts-noto-cjk" in apt_packages(ROOT / "binder" / "apt.txt")
    chromium = recipe("chromium")
    assert "dpkg -s fonts-noto-cjk" in chromium  # installed when missing...
    assert re.search(r"apt-get install -y (\S+ )*fonts-noto-cjk\b", chromium)  # ...with Chromium
    assert re.search(r"^browser: .*\bchromium\b", (ROOT / "Makefile").read_text(), flags=re.M)
    fonts = recipe("fonts")  # `make lab` too: the kernel draws the Chinese explorers' pictures
    assert "dpkg -s fonts-noto-cjk" in fonts and re.search(r"apt-get install -y fonts-noto-cjk\b", fonts)
    assert re.search(r"^lab: .*\bfonts\b", (ROOT / "Makefile").read_text(), flags=re.M)


def test_present_and_html_are_make_targets_the_readme_documents():
    makefile, readme = (ROOT / "Makefile").read_text(), (ROOT / "README.md").read_text()
    assert re.search(r"^present: .*\n(\t.*\n)*\t.*-m voila notebooks", makefile, flags=re.M)
    assert re.search(r"^html: .*\n(\t.*\n)*\t.*tools/static_site\.py", makefile, flags=re.M)
    assert "make present" in readme and "make html" in readme
