"""CONTRIBUTING.md cannot drift from the code: its Python examples run, the files and folders
its layout names exist, the make targets it mentions are in the Makefile, and the example
explorer it walks through is complete and short (the contract tests run it like any explorer)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "CONTRIBUTING.md").read_text()


def test_its_python_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", GUIDE, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "CONTRIBUTING.md", "exec"), {})


def test_the_layout_it_describes_exists():
    layout = re.search(r"## Where things live\n\n```\n(.*?)```", GUIDE, flags=re.S).group(1)
    folder = ROOT
    for line in layout.splitlines():
        names = re.split(r"\s{2,}", line.strip())[0].split(", ")
        indented = line.startswith(" ")
        for name in names:
            path = (folder if indented else ROOT) / name
            assert path.exists(), f"CONTRIBUTING.md names {path.relative_to(ROOT)}, which is missing"
        if not indented:
            folder = ROOT / names[0]


def test_the_make_targets_it_mentions_exist():
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), flags=re.M))
    for target in re.findall(r"`make ([\w-]+)", GUIDE):
        assert target in targets, target


def test_the_example_explorer_is_short_and_registered():
    import sys

    source = ROOT / "examples" / "stride_explorer.py"
    assert len(source.read_text().splitlines()) <= 65  # as CONTRIBUTING.md says
    sys.path.insert(0, str(source.parent))
    import stride_explorer

    from convlab.explorers import Explorer

    assert stride_explorer.StrideExplorer in Explorer.registry()
    e = stride_explorer.StrideExplorer.example()
    e.controls["position"].value = 2
    assert e.state["start"] == 4 and "reads input cells 4…6" in e.readout.value
