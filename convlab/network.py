"""The arithmetic of your own network: `summary(model, input_size)` traces a torch module with
torch.fx and gives, layer by layer, its output shape, parameters, multiply–accumulates and
receptive field, following the graph through residual additions, concatenations and upsampling.
"""

import html
import math
import operator
from fractions import Fraction
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from convlab.arithmetic import conv_macs
from convlab.checks import ParameterTypeError, is_int, short
from convlab.receptive import PIXELWISE, RF, field_step, layer_geometry

__all__ = ["summary", "Summary"]

CONST = "const"  # the field of a value that does not depend on the input (a parameter, a number)

# functions and tensor methods that act on each pixel on its own, or combine tensors pixel by pixel:
# the field of their output is the union of their inputs' fields
ELEMENTWISE = {operator.add, operator.iadd, operator.sub, operator.isub, operator.mul, operator.imul,
               operator.truediv, operator.itruediv, operator.neg, torch.add, torch.sub, torch.mul, torch.div,
               torch.maximum, torch.minimum, torch.where, torch.relu, torch.relu_, torch.sigmoid, torch.tanh,
               torch.exp, torch.abs, torch.neg, torch.clamp, torch.clip, torch.square, torch.sqrt, F.relu, F.relu6,
               F.elu, F.selu, F.gelu, F.silu, F.mish, F.hardswish, F.hardsigmoid, F.hardtanh, F.leaky_relu,
               F.sigmoid, F.tanh, F.softplus, F.dropout, F.dropout2d, F.alpha_dropout}
ELEMENTWISE_METHODS = {"add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_", "relu", "relu_", "sigmoid",
                       "sigmoid_", "tanh", "tanh_", "clamp", "clamp_", "exp", "abs", "neg", "sqrt", "contiguous",
                       "clone", "float", "double", "half", "to", "type_as", "detach"}
CONCATENATE = {torch.cat, torch.concat, torch.concatenate}
PADS = {"ZeroPad2d", "ConstantPad2d", "ReflectionPad2d", "ReplicationPad2d"}  # not circular: it wraps around
FORMULA_MACS = ("Conv2d", "ConvTranspose2d", "Linear")  # modules whose MACs come from convlab.arithmetic

# the positional parameters of the functional windows, to read their arguments by name
SIGNATURES = {
    F.conv2d: ("input", "weight", "bias", "stride", "padding", "dilation", "groups"),
    F.conv_transpose2d: ("input", "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation"),
    F.max_pool2d: ("input", "kernel_size", "stride", "padding", "dilation"),
    F.avg_pool2d: ("input", "kernel_size", "stride", "padding"),
    F.interpolate: ("input", "size", "scale_factor", "mode", "align_corners"),
}
DEFAULTS = {"stride": None, "padding": 0, "dilation": 1, "mode": "nearest", "align_corners": None}


class Axis(NamedTuple):
    """A receptive field along one axis: unit u sees input pixels lo[r] + q·shift … hi[r] + q·shift,
    where (q, r) = divmod(u, period). Period 1 for convolutions and pooling (a jump of `shift`);
    longer after upsampling, whose units' fields depend on where they sit (a jump shift/period)."""

    period: int
    shift: int
    lo: tuple[int, ...]
    hi: tuple[int, ...]

    def span(self, unit):
        q, r = divmod(unit, self.period)
        return self.lo[r] + q * self.shift, self.hi[r] + q * self.shift


INPUT = (Axis(1, 1, (0,), (0,)),) * 2  # (rows, cols) at the input: each pixel sees itself


class Summary:
    """What `summary` found: `.rows`, `.total_params`, `.total_macs`, `.notes`; printed as a table.

    Each row is a dict with `name`, `type`, `output_shape` (with the batch axis), `params`,
    `macs` and `rf` (an `RF(size, jump, start)` or None); see `summary`.
    """

    def __init__(self, model_name, input_shape, rows, fields, total_params, notes):
        self.model_name, self.input_shape = model_name, input_shape
        self.rows, self._fields, self.notes = rows, fields, notes
        self.total_params, self.total_macs = total_params, sum(row["macs"] for row in rows)

    def field(self, row: int | str, unit: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
        """The input pixels one output unit of a row sees: ((top, bottom), (left, right)), inclusive.

        Pixels are numbered from 0 at the top left of the input; a field reaching into the
        padding goes below 0 or past the input's edge.

        Parameters
        ----------
        row : int or str
            An index into `rows`, or a name that occurs once in them.
        unit : (int, int)
            (row, col) of the unit in that row's output map.

        Returns
        -------
        ((int, int), (int, int))

        Raises
        ------
        TypeError
            A `row` or `unit` of the wrong type (also a ValueError).
        ValueError
            A `row` that is not in the table, or one with no receptive field.

        Examples
        --------
        >>> from torch import nn
        >>> s = summary(nn.Conv2d(1, 1, 3, stride=2), (1, 9, 9))
        >>> s.field(0, (1, 2))
        ((2, 4), (4, 6))
        """
        index = self._index(row)
        if not (isinstance(unit, (tuple, list)) and len(unit) == 2 and all(is_int(v) for v in unit)):
            raise ParameterTypeError(f"unit must be a (row, col) pair of integers, got {short(unit)}")
        field = self._fields[index]
        if not isinstance(field, tuple):
            raise ValueError(f"row {row!r} ({self.rows[index]['type']}) has no receptive field")
        return field[0].span(int(unit[0])), field[1].span(int(unit[1]))

    def _index(self, row):
        if is_int(row):
            if not -len(self.rows) <= row < len(self.rows):
                raise ValueError(f"row must be an index into the {len(self.rows)} rows, got {row}")
            return int(row) % len(self.rows)
        if not isinstance(row, str):
            raise ParameterTypeError(f"row must be an index or a name from rows, got {short(row)}")
        found = [i for i, r in enumerate(self.rows) if r["name"] == row]
        if len(found) != 1:
            raise ValueError(f"row must name one row, but {row!r} names {len(found)} (rows {found}): use its index")
        return found[0]

    def _table(self):
        """The header, one list of cells per row, and the totals line."""
        header = ["Layer", "Type", "Output shape", "Params", "MACs", "RF size", "jump", "start"]
        body = [[row["name"], row["type"], _shape_text(row["output_shape"]), f"{row['params']:,}",
                 f"{row['macs']:,}", *_rf_cells(row["rf"], self._fields[i])] for i, row in enumerate(self.rows)]
        total = ["Total", "", "", f"{self.total_params:,}", f"{self.total_macs:,}", "", "", ""]
        return header, body, total

    def _footnotes(self):
        lines = list(self.notes)
        if any(isinstance(f, tuple) and any(a.period > 1 for a in f) for f in self._fields):
            lines.append("≤: the field depends on where the unit sits (after upsampling); the largest is shown, "
                         "its start is unit 0's")
        return lines

    def __str__(self):
        header, body, total = self._table()
        widths = [max(len(r[i]) for r in [header, *body, total]) for i in range(len(header))]
        left = {0, 1, 2}

        def line(cells):
            pairs = enumerate(zip(cells, widths, strict=True))
            return "  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in pairs).rstrip()

        rule = "-" * len(line(header))
        text = [f"{self.model_name} on an input of shape {_shape_text(self.input_shape)}", line(header), rule]
        text += [line(cells) for cells in body] + [rule, line(total)]
        return "\n".join(text + self._footnotes())

    def __repr__(self):
        return (f"<Summary of {self.model_name}: {len(self.rows)} rows, {self.total_params:,} parameters, "
                f"{self.total_macs:,} MACs>")

    def _repr_html_(self):
        header, body, total = self._table()

        def cells(row, tag):
            return "".join(f'<{tag} style="text-align:{"left" if i < 3 else "right"}">{html.escape(c)}</{tag}>'
                           for i, c in enumerate(row))

        rows = "".join(f"<tr>{cells(r, 'td')}</tr>" for r in body)
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self._footnotes())
        return (f'<table class="convlab-summary"><caption>{html.escape(self.model_name)} on an input of shape '
                f"{_shape_text(self.input_shape)}</caption><thead><tr>{cells(header, 'th')}</tr></thead>"
                f"<tbody>{rows}</tbody><tfoot><tr>{cells(total, 'th')}</tr></tfoot></table>{notes}")


def _shape_text(shape):
    if shape and isinstance(shape[0], tuple):
        return ", ".join(_shape_text(s) for s in shape)
    return "×".join(map(str, shape))


def _rf_cells(rf, field):
    if rf is None:
        return ["—", "—", "—"]
    varies = "≤" if any(a.period > 1 for a in field) else ""

    def text(value, form=str):
        return "×".join(form(v) for v in value) if isinstance(value, tuple) else form(value)

    return [varies + text(rf.size), text(rf.jump), text(rf.start, lambda v: f"{v:g}")]


def summary(model: Any, input_size: tuple[int, ...]) -> Summary:
    """Every layer of `model` on one input: output shape, parameters, MACs and receptive field.

    torch.fx traces `model`'s forward into a graph (torch.nn's modules stay whole; your own
    modules are opened up), which then runs once on the `meta` device, in eval mode (shapes
    only: no memory, no time; the model's modes are restored). One row per module call and
    per function or method on tensors (an addition, a concatenation, a flatten).

    A model torch.fx cannot trace (Python control flow on tensor values or shapes) is run
    with forward hooks instead, on the meta device too: if its layers form a plain chain
    (each takes the output of the one before) the rows come from that chain; otherwise it is
    refused. Control flow on tensor values is always refused: the meta device has no values.

    The receptive field follows the graph from the input (RF(1, 1, 0)): Conv2d, MaxPool2d,
    AvgPool2d (and their functional forms) take a step of `convlab.receptive`'s recurrence;
    pixel-wise layers and functions keep it; where tensors meet (add, mul, cat along the
    channels, …) it is the union of their fields (the smallest interval covering all), which
    needs equal jumps. Padding layers and F.pad shift it. ConvTranspose2d with a stride,
    nearest and bilinear upsampling by a whole factor, and adaptive pooling to a size that
    does not divide the input make the field depend on where a unit sits: the jump becomes a
    fraction (1/stride of the input's), `rf.size` is the largest field and `rf.start` unit
    0's centre (the table marks such sizes with ≤); `Summary.field` gives each unit's exact
    pixels. Global pooling (adaptive to 1×1) and anything that is no longer a (N, C, H, W)
    map (flatten, Linear) have no field (None), nor have the operations convlab does not
    know the geometry of (listed in `.notes`). Batch and group norm count as pixel-wise: their
    statistics are not part of the field, as in `convlab.receptive`.

    Parameters
    ----------
    model : torch.nn.Module
        Takes one (N, C, H, W) tensor. Its weights may be on any device, the meta one too.
    input_size : (C, H, W) or (N, C, H, W)
        One image (batch 1) or a batch of N images.

    Returns
    -------
    Summary
        `.rows`: dicts with `name` (the module's path, such as "layer1.0.conv1", or the fx
        node's name for a function, such as "add_3"; a module called twice gives two rows
        of the same name), `type` (the module's class name, or the function's or method's
        name: "add", "cat", "flatten"), `output_shape` (a tuple with the batch axis; a tuple
        of them for several outputs), `params` (the parameters it uses that no earlier row
        used: a module called twice counts once), `macs` (multiply–accumulates of that call,
        for the whole batch: Conv2d, ConvTranspose2d and Linear by `convlab.arithmetic`'s
        formula, everything else as `torch.utils.flop_counter.FlopCounterMode` counts it,
        which is 0 for batch norm, pooling and activations; FLOPs = 2·MACs) and `rf`.
        `.total_params` (every parameter of `model`, once), `.total_macs` (the sum of the
        rows), `.notes`; `str()` is a plain-text table, and a notebook shows an HTML one.

    Raises
    ------
    TypeError
        A `model` that is not a torch module, or an `input_size` that is not a tuple of
        integers (also a ValueError).
    ValueError
        An `input_size` of another length or with sizes below 1, a model neither torch.fx
        nor the hooks can follow (the message names the module and says what went wrong), a
        model that cannot take the input, or a merge of tensors whose fields have
        different jumps.

    Examples
    --------
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1))
    >>> s = summary(net, (3, 32, 32))
    >>> [(row["name"], row["type"], row["output_shape"]) for row in s.rows][-2:]
    [('2', 'MaxPool2d', (1, 8, 16, 16)), ('3', 'Conv2d', (1, 16, 16, 16))]
    >>> s.rows[-1]["rf"], s.total_params, s.total_macs
    (RF(size=8, jump=2, start=0.5), 1392, 516096)
    >>> print(s)
    Sequential on an input of shape 1×3×32×32
    Layer  Type       Output shape  Params     MACs  RF size  jump  start
    ---------------------------------------------------------------------
    0      Conv2d     1×8×32×32        224  221,184        3     1      0
    1      ReLU       1×8×32×32          0        0        3     1      0
    2      MaxPool2d  1×8×16×16          0        0        4     2    0.5
    3      Conv2d     1×16×16×16     1,168  294,912        8     2    0.5
    ---------------------------------------------------------------------
    Total                            1,392  516,096
    """
    if not isinstance(model, torch.nn.Module):
        raise ParameterTypeError(f"model must be a torch.nn.Module, got {short(model)}")
    shape = _input_shape(input_size)
    modes = {module: module.training for module in model.modules()}
    model.eval()
    try:
        with torch.no_grad():
            graph_module = _graph_module(model, shape)
            values, flops = _run(graph_module, model, shape)
    finally:
        for module, training in modes.items():
            module.training = training
    rows, fields, notes = _Walk(graph_module, values, flops).rows()
    total_params = sum(p.numel() for p in model.parameters())
    return Summary(type(model).__name__, shape, rows, fields, total_params, notes)


def _input_shape(input_size):
    """input_size as (N, C, H, W)."""
    if not (isinstance(input_size, (tuple, list, torch.Size)) and all(is_int(n) for n in input_size)):
        raise ParameterTypeError(f"input_size must be a tuple of integers, (C, H, W) or (N, C, H, W), got "
                                 f"{short(input_size)}")
    if len(input_size) not in (3, 4) or min(input_size) < 1:
        raise ValueError(f"input_size must be (C, H, W) or (N, C, H, W) with sizes of at least 1, got "
                         f"{tuple(input_size)}")
    return (1,) * (4 - len(input_size)) + tuple(int(n) for n in input_size)


# --- tracing -------------------------------------------------------------------------------------


class _Tracer(torch.fx.Tracer):
    """torch.fx's tracer, remembering the innermost module whose forward failed."""

    failed_in = None

    def call_module(self, m, forward, args, kwargs):
        try:
            return super().call_module(m, forward, args, kwargs)
        except Exception:
            if self.failed_in is None:
                self.failed_in = (self._path(m), type(m).__name__)
            raise

    def _path(self, module):
        try:
            return self.path_of_module(module)
        except NameError:  # a module made on the fly, not an attribute of the model
            return None


def _graph_module(model, shape):
    """The model as an fx GraphModule: traced, or (if it is one torch.nn layer, or tracing fails and
    the hooks find a plain chain) a chain of call_module nodes."""
    tracer = _Tracer()
    if tracer.is_leaf_module(model, ""):
        name = type(model).__name__
        return _chain_module({name: model}, [name])
    try:
        graph = tracer.trace(model)
        return torch.fx.GraphModule(tracer.root, graph, type(model).__name__)
    except Exception as error:  # whatever the user's forward raises while it is traced
        where, traced = tracer.failed_in, f"{type(error).__name__}: {' '.join(str(error).split())[:300]}"
    inside = f" in its submodule {where[0]!r} (a {where[1]})" if where and where[0] else ""
    try:
        names = _chain(model, shape)
    except ValueError as error:
        raise ValueError(f"summary cannot follow {type(model).__name__}: torch.fx cannot trace it{inside} "
                         f"({traced}); {error}") from None
    return _chain_module(model, names)


def _chain_module(root, names):
    graph = torch.fx.Graph()
    x = graph.placeholder("input")
    for name in names:
        x = graph.call_module(name, (x,))
    graph.output(x)
    return torch.fx.GraphModule(root, graph)


def _chain(model, shape):
    """The names of model's layers (modules without children) in the order a meta-device forward
    pass calls them, if each takes the output of the one before; else a ValueError saying why."""
    names = {id(m): name for name, m in model.named_modules()}
    calls, handles = [], []
    for module in model.modules():
        if module is not model and not any(module.children()):
            handles.append(module.register_forward_hook(lambda m, args, out: calls.append((m, args, out))))
    x = _zeros(model, shape)
    try:
        out = torch.func.functional_call(model, _meta_state(model), (x,))
    except Exception as error:
        raise ValueError(f"and it cannot run on the meta device with hooks either ({type(error).__name__}: "
                         f"{' '.join(str(error).split())[:300]}): summary needs no control flow on tensor "
                         "values") from None
    finally:
        for handle in handles:
            handle.remove()
    before = x
    for module, args, output in calls:
        if len(args) != 1 or args[0] is not before:
            raise ValueError(f"and its layers are no plain chain for the hooks to follow: {names[id(module)]!r} "
                             f"(a {type(module).__name__}) does not take the output of the layer called before it")
        before = output
    if not calls:
        raise ValueError("and it has no layers (modules without children) for the hooks to follow")
    if out is not before:
        raise ValueError("and its layers are no plain chain for the hooks to follow: its output is not the output "
                         "of its last layer")
    return [names[id(module)] for module, _, _ in calls]


# --- running the graph on the meta device ----------------------------------------------------------


def _meta_state(module):
    """module's parameters and buffers as meta tensors (no data is copied)."""
    tensors = [*module.named_parameters(), *module.named_buffers()]
    return {name: t.to("meta") for name, t in tensors}


def _zeros(model, shape):
    dtypes = [p.dtype for p in model.parameters() if p.is_floating_point()]
    return torch.zeros(shape, device="meta", dtype=dtypes[0] if dtypes else torch.get_default_dtype())


class _MetaInterpreter(torch.fx.Interpreter):
    """Runs the graph on meta tensors, each module with meta copies of its weights, and keeps every
    node's value and the FLOPs FlopCounterMode counted for it."""

    def __init__(self, graph_module, counter):
        super().__init__(graph_module, garbage_collect_values=False)
        self.counter, self.flops = counter, {}

    def run_node(self, n):
        before = self.counter.get_total_flops()
        try:
            value = super().run_node(n)
        except Exception as error:
            what = f"{n.target!r} (a {type(self.fetch_attr(n.target)).__name__})" if n.op == "call_module" \
                else f"{n.name!r}"
            raise ValueError(f"{what} fails: {type(error).__name__}: {' '.join(str(error).split())[:300]}") from None
        self.flops[n] = self.counter.get_total_flops() - before
        return value

    def get_attr(self, target, args, kwargs):
        value = super().get_attr(target, args, kwargs)
        return value.to("meta") if isinstance(value, torch.Tensor) else value

    def call_module(self, target, args, kwargs):
        module = self.fetch_attr(target)
        return torch.func.functional_call(module, _meta_state(module), args, kwargs)


def _run(graph_module, model, shape):
    """({node name: value}, {node: FLOPs}) of one meta-device pass of the graph on zeros of `shape`."""
    x = _zeros(model, shape)
    with FlopCounterMode(display=False) as counter:
        interpreter = _MetaInterpreter(graph_module, counter)
        try:
            interpreter.run(x)
        except (ValueError, RuntimeError) as error:  # a RuntimeError: a forward that wants more inputs than one
            raise ValueError(f"{type(model).__name__} cannot take an input of shape {shape}: {error}") from None
    return {node.name: value for node, value in interpreter.env.items()}, interpreter.flops


# --- following the graph: rows and receptive fields ------------------------------------------------


class _Walk:
    """One pass over the graph's nodes in order, with their values: the rows, their fields, the notes."""

    def __init__(self, graph_module, values, flops):
        self.graph_module, self.values, self.flops = graph_module, values, flops
        self.fields, self.seen, self.notes = {}, set(), []

    def rows(self):
        rows, fields = [], []
        placeholders = 0
        for node in self.graph_module.graph.nodes:
            if node.op == "placeholder":
                self.fields[node] = INPUT if placeholders == 0 else CONST
                placeholders += 1
            elif node.op == "get_attr":
                self.fields[node] = CONST
            elif node.op != "output":
                self.fields[node] = self._field(node)
                if _is_row(node, self.values):
                    rows.append(self._row(node))
                    fields.append(self.fields[node])
        return rows, fields, self.notes

    def _row(self, node):
        value, target = self.values[node.name], node.target
        module = self.graph_module.get_submodule(target) if node.op == "call_module" else None
        kind = type(module).__name__ if module is not None else getattr(target, "__name__", str(target))
        field = self.fields[node]
        return {"name": target if module is not None else node.name, "type": kind,
                "output_shape": _shape(value), "params": self._params(node, module),
                "macs": self._macs(node, module), "rf": _rf(field) if isinstance(field, tuple) else None}

    def _params(self, node, module):
        """Parameters this node uses that no earlier row did."""
        if module is not None:
            params = list(module.parameters())
        else:
            params = [self.graph_module.get_parameter(n.target) for n in _inputs(node)
                      if n.op == "get_attr" and _is_parameter(self.graph_module, n.target)]
        fresh = [p for p in params if id(p) not in self.seen]
        self.seen.update(id(p) for p in fresh)
        return sum(p.numel() for p in fresh)

    def _macs(self, node, module):
        kinds = {cls.__name__ for cls in type(module).__mro__} if module is not None else set()
        kind = next((k for k in FORMULA_MACS if k in kinds), None)
        if kind is None:
            return self.flops.get(node, 0) // 2
        x, out = self.values[node.args[0].name], self.values[node.name]
        if kind == "Linear":
            return out.numel() // module.out_features * module.in_features * module.out_features
        if kind == "Conv2d":
            return out.shape[0] * conv_macs(module.in_channels, module.out_channels, module.kernel_size,
                                            tuple(out.shape[2:]), module.groups)
        # a transposed convolution: every input value times every tap, into out/groups channels
        return x.shape[0] * conv_macs(module.out_channels, module.in_channels, module.kernel_size,
                                      tuple(x.shape[2:]), module.groups)

    # -- receptive fields

    def _field(self, node):
        if _picks_an_output(node, self.values):
            return self.fields[node.args[0]]  # one output of a layer with several
        live = [n for n in _inputs(node) if self.fields[n] is not CONST]
        if not live:
            return CONST
        out = _first_tensor(self.values[node.name])
        if out is None or out.ndim != 4 or any(self.fields[n] is None for n in live):
            return None  # no longer a map, or it depends on the whole input already
        operation = self._operation(node)
        if operation is None:
            return self._unknown(node, "convlab does not know how it moves pixels")
        kind, detail = operation
        if kind == "elementwise":
            return self._union(node, live, detail)
        if kind == "adaptive" and tuple(out.shape[2:]) == (1, 1):
            return None  # global pooling: every unit sees the whole input
        main = node.args[0] if node.args else node.kwargs.get("input")
        if self.fields.get(main) in (None, CONST):
            return self._unknown(node, "its first input carries no receptive field")
        field, size_in, size_out = self.fields[main], self.values[main.name].shape[2:], out.shape[2:]
        try:
            return tuple(_axis_step(kind, detail, field[i], size_in[i], size_out[i], i) for i in (0, 1))
        except _NoField as reason:
            return self._unknown(node, str(reason))

    def _unknown(self, node, why):
        note = f"{_describe(node, self.graph_module)}: {why}, so it and the rows after it have no receptive field"
        if note not in self.notes:
            self.notes.append(note)
        return None

    def _operation(self, node):
        """(kind, detail) of how a node moves pixels, or None when convlab does not know."""
        if node.op == "call_module":
            return _module_operation(self.graph_module.get_submodule(node.target))
        if node.op == "call_method":
            return ("elementwise", "tensors") if node.target in ELEMENTWISE_METHODS else None
        target = node.target
        if target in ELEMENTWISE:
            return "elementwise", "tensors"
        if target in CONCATENATE:
            dim = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else 0)
            return ("elementwise", "channels") if dim % 4 in (0, 1) else None
        if target is operator.getitem:
            index = node.args[1] if isinstance(node.args[1], tuple) else (node.args[1],)
            keeps = all(isinstance(i, (int, slice)) for i in index) and all(i == slice(None) for i in index[2:])
            return ("elementwise", "channels") if keeps else None
        if target in (F.adaptive_avg_pool2d, F.adaptive_max_pool2d):
            return "adaptive", None
        if target is F.pad:
            mode = node.kwargs.get("mode", node.args[2] if len(node.args) > 2 else "constant")
            return _pad_geometry(node.args[1] if len(node.args) > 1 else node.kwargs["pad"]) \
                if mode != "circular" else None
        if target in SIGNATURES:
            return self._functional_window(node)
        return None

    def _functional_window(self, node):
        names = SIGNATURES[node.target]
        args = {**DEFAULTS, **dict(zip(names, node.args, strict=False)), **node.kwargs}
        args = {k: self.values[v.name] if isinstance(v, torch.fx.Node) else v for k, v in args.items()}
        if node.target is F.interpolate:
            return "resize", (args["mode"], args["align_corners"])
        if node.target in (F.conv2d, F.conv_transpose2d):
            kernel_size = tuple(args["weight"].shape[2:])
        else:
            kernel_size = args["kernel_size"]
        stride = args["stride"] if args["stride"] not in (None, []) else kernel_size
        if node.target is F.conv_transpose2d:
            return "transposed", _pairs(kernel_size, stride, args["padding"], args["dilation"])
        return "window", layer_geometry((kernel_size, stride, args["padding"], args["dilation"]))[0]

    def _union(self, node, live, what):
        """The union of the live inputs' fields, which must have equal jumps (tensors met pixel by pixel)."""
        out_size = tuple(_first_tensor(self.values[node.name]).shape[2:])
        if what == "tensors":
            for n in live:
                size = tuple(self.values[n.name].shape[2:])
                if size != out_size:
                    return self._unknown(node, f"it broadcasts a {_shape_text(size)} map over "
                                               f"{_shape_text(out_size)}")
        fields = [self.fields[n] for n in live]
        jumps = [tuple(_jump(a) for a in f) for f in fields]
        if len(set(jumps)) > 1:
            listed = ", ".join(f"{n.name} {_jump_text(j)}" for n, j in zip(live, jumps, strict=True))
            raise ValueError(f"summary: {_describe(node, self.graph_module)} merges tensors whose receptive fields "
                             f"have different jumps ({listed} input pixels between neighbouring units): their units "
                             "do not line up, so the union is no receptive field of one jump; make the strides of "
                             "the merged paths multiply to the same number")
        return tuple(_union_axis([f[i] for f in fields]) for i in (0, 1))


def _module_operation(module):
    kinds = {cls.__name__ for cls in type(module).__mro__}  # subclasses count too
    if kinds & {"Conv2d", "MaxPool2d", "AvgPool2d"}:
        return "window", layer_geometry(module)[0]
    if "ConvTranspose2d" in kinds:
        return "transposed", _pairs(module.kernel_size, module.stride, module.padding, module.dilation)
    if kinds & set(PIXELWISE):
        return "elementwise", "tensors"
    if kinds & {"AdaptiveAvgPool2d", "AdaptiveMaxPool2d"}:
        return "adaptive", None
    if "Upsample" in kinds:
        return "resize", (module.mode, module.align_corners)
    if kinds & PADS:
        return _pad_geometry(module.padding)
    return None


def _pad_geometry(pad):
    """A padding layer's (left, right, top, bottom) as the geometry of a 1×1 window with that padding
    before the input (a negative one crops)."""
    left, top = pad[0], pad[2] if len(pad) > 2 else 0
    return "window", ((1, 1), (1, 1), (top, left), (1, 1))


def _pairs(*values):
    """((kh, kw), (sh, sw), …) from ints or pairs."""
    return tuple(v if isinstance(v, tuple) else (v, v) for v in values)


class _NoField(Exception):
    """An operation whose output units have no receptive field of the kind convlab tracks."""


def _axis_step(kind, detail, axis, size_in, size_out, i):
    """The field along axis i after a window, a transposed convolution, adaptive pooling or resizing."""
    if kind == "window":
        k, s, p, d = (v[i] for v in detail)
        return _window_axis(axis, k, s, p, d)
    if kind == "transposed":
        k, s, p, d = (v[i] for v in detail)
        taps = lambda o: [(o + p - t * d) // s for t in range(k) if (o + p - t * d) % s == 0]  # noqa: E731
        return _windows(axis, taps, s, 1, f"its stride {s} is larger than its kernel reaches, so some output "
                                          "units see no input (only the bias)")
    if kind == "adaptive":  # windows from floor(o·in/out) to ceil((o + 1)·in/out)
        if size_in % size_out == 0:
            return _window_axis(axis, size_in // size_out, size_in // size_out, 0, 1)
        g = math.gcd(size_in, size_out)
        taps = lambda o: range(o * size_in // size_out, -(-(o + 1) * size_in // size_out))  # noqa: E731
        return _windows(axis, taps, size_out // g, size_in // g, "")
    return _resize_axis(axis, detail, size_in, size_out)


def _window_axis(axis, k, s, p, d):
    """A convolution or pooling window: a step of the recurrence for a uniform field, else its taps."""
    if axis.period == 1:
        size, jump, twice_start = field_step(axis.hi[0] - axis.lo[0] + 1, axis.shift, axis.lo[0] + axis.hi[0],
                                             k, s, p, d)
        return Axis(1, jump, ((twice_start - size + 1) // 2,), ((twice_start + size - 1) // 2,))
    return _windows(axis, lambda o: [o * s - p + t * d for t in range(k)], 1, s, "")


def _resize_axis(axis, detail, size_in, size_out):
    mode, align_corners = detail
    if size_out % size_in:
        raise _NoField(f"it resizes {size_in} to {size_out} pixels, not by a whole factor")
    s = size_out // size_in
    if s == 1:
        return axis
    if mode in ("nearest", "nearest-exact"):
        return _windows(axis, lambda o: [o // s], s, 1, "")
    if mode == "bilinear" and not align_corners:
        return _windows(axis, lambda o: _bilinear_taps(o, s), s, 1, "")
    raise _NoField(f"convlab knows nearest and bilinear (align_corners=False) resizing, not mode {mode!r} with "
                   f"align_corners={align_corners!r}")


def _bilinear_taps(o, s):
    """The input pixels bilinear upsampling by s reads for output o: the one at or before the
    source position (o + ½)/s − ½, and the next one unless the position falls on a pixel."""
    twice = 2 * o + 1 - s  # the source position times 2s
    first = twice // (2 * s)
    return [first] if twice % (2 * s) == 0 else [first, first + 1]


def _windows(axis, taps, q, r, empty):
    """The field after an operation whose output unit o reads the input units taps(o), with
    taps(o + q) = taps(o) + r: each unit's field spans those of the units it reads."""
    m = axis.period // math.gcd(r, axis.period)  # blocks of q outputs until the input's pattern repeats
    period, shift = q * m, r * m // axis.period * axis.shift
    spans = [[axis.span(u) for u in taps(o)] for o in range(period)]
    if not all(spans):
        raise _NoField(empty)
    return _reduced(Axis(period, shift, tuple(min(a for a, _ in s) for s in spans),
                         tuple(max(b for _, b in s) for s in spans)))


def _union_axis(axes):
    """The smallest field covering each of `axes` (equal jumps) unit by unit."""
    period = math.lcm(*(a.period for a in axes))
    shift = axes[0].shift * period // axes[0].period
    spans = [[a.span(u) for a in axes] for u in range(period)]
    return _reduced(Axis(period, shift, tuple(min(a for a, _ in s) for s in spans),
                         tuple(max(b for _, b in s) for s in spans)))


def _reduced(axis):
    """The same field with its shortest period."""
    for q in range(1, axis.period):
        if axis.period % q or axis.shift * q % axis.period:
            continue
        step = axis.shift * q // axis.period
        if all(axis.lo[u + q] == axis.lo[u] + step and axis.hi[u + q] == axis.hi[u] + step
               for u in range(axis.period - q)):
            return Axis(q, step, axis.lo[:q], axis.hi[:q])
    return axis


def _jump(axis):
    jump = Fraction(axis.shift, axis.period)
    return jump.numerator if jump.denominator == 1 else jump


def _jump_text(jumps):
    return str(jumps[0]) if jumps[0] == jumps[1] else "×".join(map(str, jumps))


def _rf(field):
    """RF(size, jump, start) of a field: numbers where both axes agree, else (h, w) pairs."""
    sizes = tuple(max(h - lo for lo, h in zip(a.lo, a.hi, strict=True)) + 1 for a in field)
    jumps = tuple(_jump(a) for a in field)
    starts = tuple((a.lo[0] + a.hi[0]) / 2 for a in field)
    if len(set(sizes)) == len(set(jumps)) == len(set(starts)) == 1:
        return RF(sizes[0], jumps[0], starts[0])
    return RF(sizes, jumps, starts)


# --- small helpers ----------------------------------------------------------------------------------


def _inputs(node):
    """The nodes among a node's arguments, in order."""
    found = []
    torch.fx.node.map_arg((node.args, node.kwargs), found.append)
    return found


def _first_tensor(value):
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)) and value and isinstance(value[0], torch.Tensor):
        return value[0]
    return None


def _is_row(node, values):
    """A call that returns tensors (not a size, and not one output picked from a layer's several)."""
    value = values[node.name]
    if _picks_an_output(node, values):
        return False
    return isinstance(value, torch.Tensor) or (isinstance(value, (tuple, list)) and bool(value) and
                                              all(isinstance(v, torch.Tensor) for v in value))


def _picks_an_output(node, values):
    """True for value[i] where value is a tuple of outputs (of a max-pool with indices, say)."""
    source = node.args[0] if node.target is operator.getitem else None
    return isinstance(source, torch.fx.Node) and not isinstance(values[source.name], torch.Tensor)


def _shape(value):
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    return tuple(tuple(v.shape) for v in value)


def _is_parameter(graph_module, target):
    try:
        graph_module.get_parameter(target)
        return True
    except AttributeError:
        return False


def _describe(node, graph_module):
    if node.op == "call_module":
        return f"{node.target!r} (a {type(graph_module.get_submodule(node.target)).__name__})"
    return f"{node.name!r} ({getattr(node.target, '__name__', node.target)})"
