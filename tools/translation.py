"""The Chinese edition's translation sources: `notebooks/zh/NN_name.md` holds, for every markdown cell
of the English notebook `notebooks/NN_name.ipynb`, one block headed by the cell's id and a short hash of
the English text it translates:

    <!-- cell cell-04 · en 3fa94c1e -->
    ## 2. 动手算一算
    …

The Chinese notebook is built from the English one (`python tools/notebooks.py translate`): the same
cells in the same order, the code cells copied (the first one with the language line added), each
markdown cell replaced by its block. A block is stale when the English cell changed after it was
written (its hash no longer matches) and missing when the cell has none; `translate` refuses both and
names the cells. What tools/notebooks.py generates (nav lines, the summary's glossary line, the index's
tables) is not translated: it is generated again, in Chinese, from the Chinese lessons. A new English
cell gets a block with its English text and the mark `TODO-translate` (`translate --stubs`), so that the
translator only has to replace the text and delete the mark.
"""

import hashlib
import re
from pathlib import Path

import nbformat

LANGUAGE_LINE = 'import convlab; convlab.set_language("zh")  # 中文界面：探索器的标签与读数用中文'
HEADER = re.compile(r"^<!-- cell (\S+) · en ([0-9a-f]{8}) -->$", flags=re.M)
STUB = "TODO-translate"
INTRO = ("<!-- The Chinese text of {name}: one block per markdown cell of the English notebook, headed by the cell's "
         "id and the hash of the English text it translates. Edit the text under a header; when the English cell "
         "changes, update the text and the header's hash (tools/notebooks.py translate says which). Generated parts "
         "(the summary's 术语表 line, the index's tables after their marks) are written by the tool. -->")


class TranslationError(ValueError):
    """A translation that is missing or stale, or a source file the tool cannot read."""


def authored(source, marks, glossary_line):
    """A markdown cell's text without what tools/notebooks.py generates in it: after an index mark
    (kept) nothing, and the summary's glossary paragraph reduced to its first word."""
    for mark in marks:
        if mark in source:
            source = source.split(mark)[0] + mark
    return glossary_line.sub(lambda m: re.match(r"\S+?[:：]", m[0])[0], source).strip()  # 'Glossary:', '术语表：'


def digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def source_path(english):
    """Where the translation of `english` (notebooks/NN_name.ipynb) lives: notebooks/zh/NN_name.md."""
    return Path(english).parent / "zh" / f"{Path(english).stem}.md"


def twin(english):
    """The Chinese notebook built from `english`: notebooks/zh/NN_name.ipynb."""
    return Path(english).parent / "zh" / Path(english).name


def read_blocks(path):
    """cell id → (hash, text) of a translation source file (empty if it does not exist)."""
    if not Path(path).exists():
        return {}
    text = Path(path).read_text(encoding="utf-8")
    heads = list(HEADER.finditer(text))
    blocks = {}
    for head, after in zip(heads, [*heads[1:], None], strict=True):
        if head[1] in blocks:
            raise TranslationError(f"{Path(path).name}: cell {head[1]} has two blocks")
        body = text[head.end(): after.start() if after else len(text)]
        blocks[head[1]] = (head[2], body.strip())
    return blocks


def write_blocks(path, name, blocks):
    """Write cell id → (hash, text) blocks, in the given order."""
    parts = [INTRO.format(name=name)]
    parts += [f"<!-- cell {cell_id} · en {hash_} -->\n{text}" for cell_id, (hash_, text) in blocks.items()]
    Path(path).parent.mkdir(exist_ok=True)
    Path(path).write_text("\n\n".join(parts) + "\n", encoding="utf-8")


def to_translate(nb, is_generated, marks, glossary_line):
    """cell id → authored English text of every markdown cell that is translated (not a generated one)."""
    return {c.id: authored(c.source, marks, glossary_line) for c in nb.cells
            if c.cell_type == "markdown" and not is_generated(c)}


def problems(english_path, is_generated, marks, glossary_line):
    """The cells of `english_path` whose translation is missing, unfinished or stale, as messages."""
    nb = nbformat.read(english_path, as_version=4)
    blocks, found = read_blocks(source_path(english_path)), []
    wanted = to_translate(nb, is_generated, marks, glossary_line)
    for cell_id, text in wanted.items():
        where = f"{Path(english_path).name}, cell {cell_id}"
        if cell_id not in blocks:
            found.append(f"{where}: no translation (add a block to {source_path(english_path).name}, or run "
                         "`python tools/notebooks.py translate --stubs`)")
        elif STUB in blocks[cell_id][1]:
            found.append(f"{where}: the translation is unfinished (it still holds {STUB})")
        elif blocks[cell_id][0] != digest(text):
            found.append(f"{where}: the English text changed after its translation (translated {blocks[cell_id][0]}, "
                         f"now {digest(text)}): update the Chinese and its header's hash")
    found += [f"{Path(english_path).name}: the translation of cell {cell_id} belongs to no markdown cell"
              for cell_id in blocks if cell_id not in wanted]
    return found


def stubs(english_path, is_generated, marks, glossary_line):
    """Add a block holding the English text and the TODO mark for every cell without one; keep the
    others, in the English cells' order (a block whose cell is gone last, for the translator to move
    or delete). Returns the ids added."""
    nb = nbformat.read(english_path, as_version=4)
    blocks = read_blocks(source_path(english_path))
    wanted = to_translate(nb, is_generated, marks, glossary_line)
    added = [cell_id for cell_id in wanted if cell_id not in blocks]
    ordered = {cell_id: blocks.get(cell_id, (digest(text), f"{STUB}\n\n{text}")) for cell_id, text in wanted.items()}
    ordered.update((cell_id, block) for cell_id, block in blocks.items() if cell_id not in wanted)
    if added:
        write_blocks(source_path(english_path), Path(english_path).name, ordered)
    return added


def with_language_line(source):
    """The first code cell of a Chinese notebook: the English one with the language line at its end."""
    return f"{source.rstrip()}\n{LANGUAGE_LINE}"


def keep_outputs(built, old):
    """Give each code cell of `built` the outputs of the same cell of `old` where its code is the same."""
    before = {c.id: c for c in old.cells if c.cell_type == "code"}
    for cell in built.cells:
        same = before.get(cell.id)
        if cell.cell_type == "code" and same is not None and same.source == cell.source:
            cell.outputs, cell.execution_count = same.outputs, same.execution_count


def build(english_path, is_generated):
    """The Chinese notebook of `english_path` from its translation (checked beforehand): every code cell
    copied, outputs dropped until it is executed, every translated markdown cell replaced; generated
    cells are left to tools/notebooks.py."""
    nb = nbformat.read(english_path, as_version=4)
    blocks = read_blocks(source_path(english_path))
    first_code = True
    for cell in nb.cells:
        if cell.cell_type == "markdown" and not is_generated(cell):
            cell.source = blocks[cell.id][1]
        elif cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if first_code:
                cell.source, first_code = with_language_line(cell.source), False
    return nb


NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
CJK = re.compile(r"[\u4e00-\u9fff]")


def numbers_lost(english, chinese):
    """The numbers of the English text that its translation does not contain (the prose's numbers are
    computed by the cells: a translation keeps each one as written)."""
    return sorted(set(NUMBER.findall(english)) - set(NUMBER.findall(chinese)), key=lambda n: (len(n), n))


def check_file(path):
    """What is wrong with a translation source, block by block, against its English notebook: an
    unfinished block, one without Chinese, a header that matches no cell, a number lost."""
    from notebooks import GLOSSARY_LINE, MARKS, is_generated  # the tool's own definitions

    english = Path(path).parent.parent / f"{Path(path).stem}.ipynb"
    wanted = to_translate(nbformat.read(english, as_version=4), is_generated, MARKS, GLOSSARY_LINE)
    found = problems(english, is_generated, MARKS, GLOSSARY_LINE)
    for cell_id, (_, text) in read_blocks(path).items():
        if cell_id in wanted and STUB not in text:
            if CJK.search(wanted[cell_id]) is None and not CJK.search(text):
                found.append(f"cell {cell_id}: no Chinese in the translation")
            lost = numbers_lost(wanted[cell_id], text)
            if lost:
                found.append(f"cell {cell_id}: numbers of the English missing: {', '.join(lost)}")
    return found


if __name__ == "__main__":  # python tools/translation.py notebooks/zh/NN_name.md …: check translations
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    messages = [f"{p}: {m}" for p in sys.argv[1:] for m in check_file(p)]
    print("\n".join(messages) or "ok")
    sys.exit(1 if messages else 0)
