"""The machinery every explorer shares: the `Explorer` base class (declared controls, widget,
state, a synchronous update into one kept figure), the registry of explorers, the offline
animation, and `Explorer.from_function` for a plain drawing function."""

import base64
import contextlib
import functools
import html
import itertools
import re
import threading
import traceback

import ipywidgets as widgets
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from convlab import agg, canvas, draw, language
from convlab.explorers import saving
from convlab.explorers.controls import Choice, Int, Toggle, choices, freeze, limit, offer, snap

__all__ = ["Explorer", "Int", "Choice", "Toggle", "choices", "limit", "offer", "freeze", "as_pool", "products",
           "per_layer", "readonly", "call"]


def products(window, kernel, tr, most=9):
    """A readout's multiply–add, 'a·b + c·(−d) + …', for a window and its kernel; past `most`
    products, just how many there are (said through `tr`, the explorer's language)."""
    if kernel.size > most:
        return tr("{n} products", n=kernel.size)
    return " + ".join(f"{a:g}·{b:g}" if b >= 0 else f"{a:g}·({b:g})" for a, b in zip(window.ravel(), kernel.ravel(),
                                                                                strict=True))


def as_pool(array, ndim, name):
    """A user's array of numbers with leading axes of length 1 added up to `ndim` axes."""
    a = np.asarray(array)
    if a.dtype.kind not in "iuf" or not 2 <= a.ndim <= ndim or 0 in a.shape:
        raise ValueError(f"{name} must be a non-empty array of numbers with 2 to {ndim} axes, "
                         f"got {a.dtype} of shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must hold finite numbers (no NaN or infinity)")
    return a.reshape((1,) * (ndim - a.ndim) + a.shape)


def per_layer(values, name, most):
    """Starting values `dilation_1` … `dilation_{most}` from a tuple of one to `most` values (the
    layers not given get 1)."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or not 1 <= len(values) <= most:
        raise ValueError(f"{name} must hold 1 to {most} values, got {values!r}")
    values = (*values, *(1,) * (most - len(values)))
    return {f"dilation_{i + 1}": value for i, value in enumerate(values)}


def readonly(state):
    """`state` with every array in it (also in lists and tuples) made read-only: arrays handed
    out through `state` may be views of the explorer's own data or of a cache."""
    for value in state.values():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(item, np.ndarray):
                item.flags.writeable = False
    return state


READOUT_STYLE = "font-family:monospace;font-size:13px;line-height:1.5"
CODE_STYLE = ("font-family:monospace;font-size:12.5px;line-height:1.4;margin:4px 0;padding:4px 8px;background:#f6f8fa;"
              "border-radius:4px")


def code_html(code, out_shape):
    """The code line shown under the picture, with the shape of its `out` as PyTorch prints it."""
    if code is None:
        return ""
    shape = f"# out.shape == torch.Size([{', '.join(map(str, out_shape))}])"
    return f"<pre style='{CODE_STYLE}'>{html.escape(code)}\n{html.escape(shape)}</pre>"


def call(name, *args, **kwargs):
    """Python source of a call, e.g. call("nn.Conv2d", 3, 4, kernel_size=3, bias=False) → 'nn.Conv2d(3, 4,
    kernel_size=3, bias=False)'; keyword arguments given as None are left out."""
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items() if v is not None]
    return f"{name}({', '.join(parts)})"


def _taking_lang(init):
    """An explorer's __init__ that also takes `lang=` ("en" or "zh"; None: `convlab.set_language`'s), so that
    every explorer, a teacher's too, speaks both languages without naming `lang` itself."""

    @functools.wraps(init)
    def __init__(self, *args, lang=None, **kwargs):
        if lang is not None or not hasattr(self, "lang"):  # the outermost __init__ decides
            self.lang = language.checked(lang)
        init(self, *args, **kwargs)

    return __init__


class Explorer:
    """Base class of the explorers.

    A subclass declares its controls in `declare` (name → `Int`, `Choice` or `Toggle`) and passes
    the starting values to `Explorer.__init__` as keyword arguments; it implements `constrain`
    (narrow the controls to what is valid given the others, with `limit`, `offer`, `freeze`),
    `compute` (the numbers shown, as a dict: `self.state`), `draw` (describe the picture of
    `self.state` on `self.scene`) and `describe` (the readout, as a list of HTML lines), and the
    classmethod `example` (the explorer its notebook opens first). The base builds the widgets,
    checks the starting values against the declaration, wires the observers and turns every change
    into snap → constrain → compute → draw → send the scene to the browser → readout,
    synchronously: when a control's value has been set, `state` and the scene are up to date. The
    same scene renders through matplotlib's Agg only when a PNG is asked for (`png()`: the display
    bundle's static picture, tests), on a bare Figure, not pyplot's, so it never shows up as a stray
    second output. The `view_controls` (e.g. the window position, or a pixel's row and column) are
    linked to the canvas in the browser, which applies them by itself from the scene already sent:
    the scene describes the picture at every view value (`view_value`), the kernel only follows.

    Every explorer takes `lang="en"` or `"zh"` (default: `convlab.set_language`'s): the labels, titles,
    readouts and messages it shows go through `self.tr(english, **values)` (`self.tr_figure` for the
    picture's text), which looks the English up in `convlab.zh`.
    """

    figsize = (10.0, 3.9)
    dpi = 80
    picture_top = 0.84  # the picture's axes span the figure up to here; the titles sit above
    rows = None  # the controls' layout: lists of names per row (default: three per row, as declared)
    in_place = True  # changes its kept scene in place (False: redraws by design; not held to the speed budget)
    view_controls = ()  # up to two controls the browser applies by itself (the scene holds every value's items)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _taking_lang(cls.__init__)

    def __init__(self, lang=None, **start):
        if lang is not None or not hasattr(self, "lang"):
            self.lang = language.checked(lang)
        self.figure_lang = language.figure_language(self.lang)
        self.state, self.notice, self.snapped, self.refused = {}, "", [], False
        # JupyterLab may deliver widget messages on a kernel subshell, in another thread than a running
        # cell: one update at a time
        self._lock = threading.RLock()
        self.readout = widgets.HTML(layout=widgets.Layout(margin="0 0 0 8px", height="200px", overflow="auto"))
        self.errors = widgets.Output()
        self.code_view = widgets.HTML(layout=widgets.Layout(margin="0 0 0 8px"))  # the PyTorch code of the picture
        self.canvas = canvas.Canvas(layout=widgets.Layout(max_width="100%"))  # the live picture, drawn in the browser
        self.fig = Figure(figsize=self.figsize, dpi=self.dpi)  # not pyplot: no global state, no stray display
        FigureCanvasAgg(self.fig)
        if len(self.view_controls) > 2:
            raise TypeError(f"{type(self).__name__}.view_controls names {len(self.view_controls)} controls; the "
                            "canvas links at most two (e.g. a row and a column)")
        self.declared = declared = self.declare()
        values = self.checked(declared, start)
        self.controls = {name: spec.widget(values[name], self.tr) for name, spec in declared.items()}
        self.plays = {name: self._play(name, spec.play) for name, spec in declared.items()
                      if isinstance(spec, Int) and spec.play}
        self.build()
        # the browser changes the picture itself; the kernel follows
        self.links = [widgets.jslink((self.controls[name], "value"), (self.canvas, trait))
                      for name, trait in zip(self.view_controls, ("value", "value1"), strict=False)]
        self._busy = None  # the thread running an update: its own changes to the controls need no other
        self.update()
        self._refuse_moved(declared, values)
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        parts = [self.layout_controls(), self.canvas, self.code_view, self.readout, self.errors]
        if self.accepts_picture:
            self.upload = widgets.FileUpload(accept="image/*", multiple=False, description=self.tr("Your picture…"),
                                             layout=widgets.Layout(width="200px"))
            self.upload.observe(self._on_upload, names="value")
            parts.insert(1, self.upload)
        self.saver = saving.save_button(self)  # Save: the picture (and its animation) next to the notebook
        parts.insert(1, self.saver)
        self.widget = widgets.VBox(parts)

    def tr(self, text, **values):
        """`text` (English, with {placeholders}) in the explorer's language, the values filled in."""
        return language.tr(text, self.lang, **values)

    def tr_figure(self, text, **values):
        """The same for text drawn in the picture: English where no font has Chinese glyphs."""
        return language.tr(text, self.figure_lang, **values)

    # -- to implement -------------------------------------------------------------------
    def declare(self):
        """name → Int / Choice / Toggle: every control, declared once."""
        raise NotImplementedError

    @classmethod
    def example(cls):
        """The explorer as its notebook opens it first."""
        raise NotImplementedError(f"{cls.__name__} has no example()")

    def check_start(self, values):
        """Refuse starting values that are each allowed but impossible together (default: none)."""

    def constrain(self):
        """Narrow the controls' ranges to valid values (default: nothing to narrow)."""

    def compute(self):
        raise NotImplementedError

    def draw(self):
        raise NotImplementedError

    def describe(self):
        """The readout: a list of lines of HTML."""
        return []

    def code(self):
        """The PyTorch code of what the picture shows at the current settings, as (code, out_shape): code that,
        given `torch`, `nn` and `F`, assigns `out`, and the shape convlab computed for it (a tuple). Built from
        `self.state` as strings: it imports nothing. None: no code (default)."""
        return None

    accepts_picture = False  # True: the explorer shows a picture, and `set_picture` can replace it

    def set_picture(self, source):
        """Replace the explorer's picture by `source` (a path or a file's bytes), or raise a
        ValueError saying why it cannot be used."""
        raise NotImplementedError

    # -- the registry ---------------------------------------------------------------------
    @classmethod
    def registry(cls):
        """Every explorer class defined so far (subclasses of subclasses too), by name."""
        found, todo = {}, list(cls.__subclasses__())
        while todo:
            sub = todo.pop()
            found[sub.__qualname__, sub.__module__] = sub
            todo.extend(sub.__subclasses__())
        return sorted(found.values(), key=lambda c: (c.__module__, c.__qualname__))

    @staticmethod
    def from_function(function, **controls):
        """An explorer from a plain matplotlib function `function(ax, **values)` and declared
        controls (name=Int(...)/Choice(...)/Toggle(...)): it redraws the axes on every change, so
        it is slower than a real explorer, but it keeps the same contract."""
        from convlab.explorers.function import FunctionExplorer

        return FunctionExplorer(function, **controls)

    # -- shared machinery ---------------------------------------------------------------
    def checked(self, declared, start):
        """The starting value of every control: the keyword argument checked against its
        declaration, or the declared default; then the explorer's own `check_start`."""
        unknown = set(start) - set(declared)
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected starting values {sorted(unknown)}; "
                            f"it has {list(declared)}")
        values = {name: spec.check(start.get(name, spec.default), name) for name, spec in declared.items()}
        self.check_start(values)
        return values

    def _refuse_moved(self, declared, values):
        """A starting value that `constrain` had to move was impossible with the others: say so."""
        for name, control in self.controls.items():
            if control.value != values[name]:
                spec = declared[name]
                offered = choices(control)
                allowed = f"from {offered[0]} to {offered[-1]}" if isinstance(spec, Int) else f"one of {offered}"
                raise ValueError(f"{spec.argument or name}={values[name]!r} is not possible with the other starting "
                                 f"values of this {type(self).__name__}: {name} can be {allowed} there")

    def _play(self, name, interval):
        play = widgets.Play(interval=interval, min=0, max=self.controls[name].max, step=1, description=self.tr("play"))
        widgets.jslink((play, "value"), (self.controls[name], "value"))
        return play

    def build(self):
        """One borderless axes for the picture, the Scene describing it and the renderer drawing it."""
        self.ax = self.fig.add_axes((0.0, 0.0, 1.0, self.picture_top))
        self.ax.set_axis_off()
        box = self.ax.get_window_extent()
        self.scene = draw.Scene((box.width, box.height), self.dpi)
        self.renderer = agg.AggRenderer(self.ax)
        self.browser = canvas.CanvasRenderer(self.canvas, (self.figsize[0] * self.dpi, self.figsize[1] * self.dpi),
                                             self.ax.get_position().bounds, self.dpi)

    def layout_controls(self):
        names = self.rows or [list(self.controls)[i:i + 3] for i in range(0, len(self.controls), 3)]
        rows = []
        for row in names:
            boxes = [self.controls[name] for name in row]
            boxes += [self.plays[name] for name in row if name in self.plays]
            rows.append(widgets.HBox(boxes))
        return widgets.VBox(rows)

    def _on_change(self, change):
        if self._busy != threading.get_ident():  # a change from another thread waits for the update under way
            self.update()

    def update(self):
        """Bring state, picture and readout up to date with the controls."""
        with self._lock:
            self._update()

    def _update(self):
        self._busy = threading.get_ident()
        try:
            with contextlib.ExitStack() as held:
                for control in [*self.controls.values(), *self.plays.values()]:  # new ranges after the picture
                    held.enter_context(control.hold_sync())
                self.snapped = [(name, old, control.value) for name, control in self.controls.items()
                                if (old := snap(control)) is not None]
                self.constrain()
                for name, play in self.plays.items():
                    play.max = self.controls[name].max
                self.state = readonly(self.compute())
                self.state["code"], self.state["out_shape"] = self.code() or (None, None)
                self.draw()
                self.scene.values, self.scene.strides = self.view_at()
                self.send()
                self.readout.value = self.readout_html()
                self.code_view.value = code_html(self.state["code"], self.state["out_shape"])
            if self.errors.outputs:
                self.errors.outputs = ()  # the last error is fixed: do not leave its traceback behind
        except Exception:
            # a slider callback runs in the kernel, where a traceback would go unseen: show it
            self.errors.append_stderr(traceback.format_exc())
            raise
        finally:
            self._busy = None

    def view_strides(self):
        """What one step of each view-only control is worth in the view value: row-major, the last
        control 1 and the first as many as the last offers."""
        if len(self.view_controls) == 2:
            return (self.controls[self.view_controls[1]].max + 1, 1)
        return (1,) * len(self.view_controls)

    def view_value(self, *values):
        """The view value at these values of the view-only controls (default: their current ones),
        e.g. row·(columns offered) + column: the index of the scene's `moving` offsets and of its
        `shown` intervals."""
        values = values or [self.controls[name].value for name in self.view_controls]
        return sum(v * s for v, s in zip(values, self.view_strides(), strict=True))

    def view_at(self):
        """The scene's (values, strides): those of the view-only controls, padded to two."""
        values = [self.controls[name].value for name in self.view_controls]
        strides = list(self.view_strides())
        return tuple((values + [0, 0])[:2]), tuple((strides + [0, 0])[:2]) if strides else (1, 0)

    def render(self):
        """Draw the scene with Agg on the explorer's figure."""
        self.renderer.render(self.scene)

    def send(self):
        """Send what changed in the scene to the browser."""
        self.browser.render(self.scene)

    def readout_html(self):
        """The readout's lines in one block, under the notices (the reader's picture, a value moved
        onto the slider's steps)."""
        notices = [(self.notice, "#b00020" if self.refused else "#1b5e20")] if self.notice else []
        notices += [(self.tr("{name} = {old} is not offered here (steps of {step}): using {new}", name=name, old=old,
                             step=self.controls[name].step, new=new), "#8a4b00") for name, old, new in self.snapped]
        top = "".join(f"<div style='color:{colour};font-family:monospace'>{html.escape(text)}</div>"
                      for text, colour in notices)
        lines = self.describe()
        body = lines if isinstance(lines, str) else f"<div style='{READOUT_STYLE}'>" + "<br>".join(lines) + "</div>"
        return top + body

    def use_picture(self, source, name=None):
        """Show `source` (a path or the bytes of a file) instead of the current picture.
        A file that cannot be used leaves the view as it is and says why in the readout,
        never as a traceback. Returns whether the picture was taken."""
        try:
            self.set_picture(source)
        except ValueError as error:
            self.refused = True
            self.notice = self.tr("Could not use {name}: {error}. The picture shown is unchanged.",
                                  name=name or self.tr("that file"), error=self.tr_error(error))
            self.readout.value = self.readout_html()
            return False
        self.refused = False
        self.notice = self.tr("Showing {name}.", name=name) if name else ""
        self.update()
        return True

    def tr_error(self, error):
        """Why a file was refused, in the explorer's language (a `PictureError` keeps the form of its message)."""
        if not hasattr(error, "form"):
            return self.tr(str(error))
        from convlab.images import UPLOADED

        values = {k: self.tr(v) if v == UPLOADED else v for k, v in error.values.items()}
        return self.tr(error.form, **values)

    def _on_upload(self, change):
        for file in change["new"]:
            self.use_picture(file["content"], file["name"])

    def png(self):
        """The current picture as PNG bytes, drawn by Agg from the same scene the browser draws."""
        with self._lock:
            self.render()
            return agg.figure_png(self.fig)

    def save(self, path, control=None, fps=2, dpi=None):
        """Write the current picture to `path`: PNG (at `dpi`, default 200: fit for a projector), SVG or
        PDF by the extension; a .gif steps `control` (default: the Play control) through every value it
        offers, `fps` frames a second, and leaves the explorer as it was. Returns the Path written."""
        return saving.save(self, path, control=control, fps=fps, dpi=dpi)

    def pixel(self, x, y):
        """The (row, column) of the picture's pixel at the point (x, y), in cells of the scene."""
        return self.renderer.pixel(x, y)

    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def set_values(self, values):
        """Set several controls, in the order they are declared (twice over, so that a value whose
        range depends on a later control still arrives)."""
        for _ in range(2):
            for name, value in values.items():
                if self.controls[name].value != value:
                    self.controls[name].value = value

    def __repr__(self):
        shown = ", ".join(f"{k}={v!r}" for k, v in self.values().items())
        return f"{type(self).__name__}({shown})"

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        bundle["image/png"] = base64.b64encode(self.png()).decode("ascii")  # for GitHub / nbviewer
        return bundle

    def _ipython_display_(self):
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)

    def animate(self, control, frames=None, interval=500):
        """A static HTML animation (matplotlib's to_jshtml) stepping `control` through `frames`
        (default: every value it offers now), for readers without a running kernel. The frames
        are this explorer's own pictures, shown one by one on a separate figure; the explorer is
        left as it was."""
        from IPython.display import HTML

        widget = self.controls[control]
        start = self.values()
        frames = choices(widget) if frames is None else list(frames)
        pictures = []
        try:
            for value in frames:
                widget.value = value
                self.png()
                pictures.append(np.asarray(self.fig.canvas.buffer_rgba()).copy())
        finally:
            self.set_values(start)
        film = Figure(figsize=self.figsize, dpi=self.dpi)
        FigureCanvasAgg(film)
        shown = film.figimage(pictures[0])  # the pixels as they are, no resampling
        animation = FuncAnimation(film, lambda n: shown.set_data(pictures[n]) or [shown], frames=len(pictures),
                                  interval=interval, repeat=False)
        return HTML(offline_controls(animation.to_jshtml(default_mode="once")))


ICONS = {"minus": "−", "fast-backward": "⏮", "step-backward": "◁", "play fa-flip-horizontal": "◀",
         "pause": "⏸", "play": "▶", "step-forward": "▷", "fast-forward": "⏭", "plus": "+"}


def offline_controls(page):
    """matplotlib's jshtml player loads its button icons from a CDN; offline (or on a
    machine without network) the buttons would be blank and the browser logs an error.
    Use plain Unicode symbols instead, and number the players instead of giving them
    random ids, so that a re-executed notebook only changes where something changed."""
    page = re.sub(r'<link rel="stylesheet"\s+href="[^"]*font-awesome[^"]*">', "", page)
    for name, symbol in ICONS.items():
        page = page.replace(f'<i class="fa fa-{name}"></i>', symbol)
    return re.sub(r"anim[0-9a-f]{32}", f"convlab_anim{next(_ANIMATIONS)}", page)  # a stable id, not a random one


_ANIMATIONS = itertools.count(1)
