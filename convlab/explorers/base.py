"""The machinery every explorer shares: the `Explorer` base class (controls, widget, state,
synchronous update into one kept figure), slider helpers, and the offline animation."""

import base64
import contextlib
import copy
import html
import io
import itertools
import re
import traceback

import ipywidgets as widgets
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from convlab import draw
from convlab.checks import is_int

__all__ = ["Explorer", "set_range", "set_options", "choices", "slider", "bounded", "as_pool", "products"]


def set_range(slider, lo, hi):
    """Change a slider's range without ever passing through min > max."""
    if lo > slider.max:
        slider.max = hi
        slider.min = lo
    else:
        slider.min = lo
        slider.max = hi


def set_options(selection, options):
    """Change what a SelectionSlider offers, keeping its current value (which must be
    among the new options): ipywidgets would otherwise jump back to the first option."""
    value = selection.value
    if tuple(selection.options) != tuple(options):
        selection.options = options
        selection.value = value


def choices(control):
    """Every value a control offers now: a slider's range, a selection's options, a
    checkbox's two states, or just the current value when the control is disabled."""
    if control.disabled:
        return [control.value]
    if isinstance(control, (widgets.SelectionSlider, widgets.Dropdown)):
        return list(control.options)
    if isinstance(control, widgets.Checkbox):
        return [False, True]
    return list(range(control.min, control.max + 1, control.step))


def slider(description, value, lo, hi):
    """An integer slider with its label; all the same width, so rows of them line up."""
    return widgets.IntSlider(value=value, min=lo, max=hi, description=description, continuous_update=True,
                             style={"description_width": "110px"}, layout=widgets.Layout(width="310px"))


def bounded(value, name, lo, hi):
    """A starting value for a slider: an integer from lo to hi (explorers draw every cell,
    so they cap sizes), or a clear error."""
    if not is_int(value) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer from {lo} to {hi} in this explorer, got {value!r}")
    return int(value)


def products(window, kernel, most=9):
    """A readout's multiply–add, 'a·b + c·(−d) + …', for a window and its kernel; past `most`
    products, just how many there are."""
    if kernel.size > most:
        return f"{kernel.size} products"
    return " + ".join(f"{a:g}·{b:g}" if b >= 0 else f"{a:g}·({b:g})" for a, b in zip(window.ravel(), kernel.ravel(),
                                                                                strict=True))


def as_pool(array, ndim, name):
    """A user's array with leading axes of length 1 added up to `ndim` axes."""
    a = np.asarray(array)
    if not 2 <= a.ndim <= ndim or 0 in a.shape:
        raise ValueError(f"{name} must be a non-empty array with 2 to {ndim} axes, got shape {a.shape}")
    return a.reshape((1,) * (ndim - a.ndim) + a.shape)


class Explorer:
    """Base class of the explorers.

    A subclass builds `self.controls` (name → widget) in `make_controls` and its axes and
    `draw.Scene` in `build`, and implements `constrain` (narrow every control to what is
    valid given the others), `compute` (return the numbers shown, as a dict: `self.state`),
    `draw` (describe the picture of `self.state` on the scene) and `describe` (the readout,
    as HTML). The base wires the observers and turns every change into constrain → compute
    → draw → PNG → readout, synchronously: when a control's value has been set, `state`
    and the picture are up to date. The figure is a bare matplotlib Figure, not pyplot's,
    so it never shows up as a stray second output and touches no global state.
    """

    figsize = (10.0, 3.9)
    dpi = 80

    def __init__(self):
        self.state = {}
        self.readout = widgets.HTML(layout=widgets.Layout(margin="0 0 0 8px", height="200px", overflow="auto"))
        self.errors = widgets.Output()
        self.image = widgets.Image(format="png", width=round(self.figsize[0] * self.dpi),
                                   layout=widgets.Layout(max_width="100%", height="auto"))  # never scaled up
        self.fig = Figure(figsize=self.figsize, dpi=self.dpi)  # not pyplot: no global state, no stray display
        FigureCanvasAgg(self.fig)
        self.notice = ""  # a message about the reader's last picture, shown above the readout
        self.controls = self.make_controls()
        self.build()
        self._busy = False
        self.update()
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        parts = [self.layout_controls(), self.image, self.readout, self.errors]
        if self.accepts_picture:
            self.upload = widgets.FileUpload(accept="image/*", multiple=False, description="Your picture…",
                                             layout=widgets.Layout(width="200px"))
            self.upload.observe(self._on_upload, names="value")
            parts.insert(1, self.upload)
        self.widget = widgets.VBox(parts)

    # -- to implement -------------------------------------------------------------------
    def make_controls(self):
        raise NotImplementedError

    picture_top = 0.84  # the picture's axes span the figure up to here; the titles sit above

    def build(self):
        """One borderless axes holding the explorer's Scene (its items are redrawn on each update)."""
        self.ax = self.fig.add_axes((0.0, 0.0, 1.0, self.picture_top))
        self.ax.set_axis_off()
        self.scene = draw.Scene(self.ax)

    def constrain(self):
        """Narrow the controls' ranges to valid values (default: nothing to narrow)."""

    def compute(self):
        raise NotImplementedError

    def draw(self):
        raise NotImplementedError

    def describe(self):
        return ""

    accepts_picture = False  # True: the explorer shows a picture, and `set_picture` can replace it

    def set_picture(self, source):
        """Replace the explorer's picture by `source` (a path or a file's bytes), or raise a
        ValueError saying why it cannot be used."""
        raise NotImplementedError

    # -- shared machinery ---------------------------------------------------------------
    def layout_controls(self):
        boxes = list(self.controls.values())
        rows = [widgets.HBox(boxes[i:i + 3]) for i in range(0, len(boxes), 3)]
        return widgets.VBox(rows)

    def _on_change(self, change):
        if not self._busy:
            self.update()

    def update(self):
        """Bring state, picture and readout up to date with the controls."""
        self._busy = True
        try:
            with contextlib.ExitStack() as held:
                for control in self.controls.values():  # send new slider ranges after the picture
                    held.enter_context(control.hold_sync())
                self.constrain()
                self.state = self.compute()
                self.draw()
                self.image.value = self.png()
                self.readout.value = self.readout_html()
        except Exception:
            # a slider callback runs in the kernel, where a traceback would go unseen: show it
            self.errors.append_stderr(traceback.format_exc())
            raise
        finally:
            self._busy = False

    def readout_html(self):
        """The readout, under the notice about the reader's picture if there is one."""
        colour = "#b00020" if self.notice.startswith("Could not") else "#1b5e20"
        notice = f"<div style='color:{colour};font-family:monospace'>{html.escape(self.notice)}</div>" \
            if self.notice else ""
        return notice + self.describe()

    def use_picture(self, source, name=None):
        """Show `source` (a path or the bytes of a file) instead of the current picture.
        A file that cannot be used leaves the view as it is and says why in the readout,
        never as a traceback. Returns whether the picture was taken."""
        try:
            self.set_picture(source)
        except ValueError as error:
            self.notice = f"Could not use {name or 'that file'}: {error}. The picture shown is unchanged."
            self.readout.value = self.readout_html()
            return False
        self.notice = f"Showing {name}." if name else ""
        self.update()
        return True

    def _on_upload(self, change):
        for file in change["new"]:
            self.use_picture(file["content"], file["name"])

    def png(self):
        """The current picture as PNG bytes."""
        return draw.png_bytes(self.fig)

    def redraw_from_scratch(self, plain=True):
        """The current picture made again from nothing, for the bench: a new pyplot figure,
        every artist created anew, saved as the inline backend saves it (PNG via savefig,
        bbox_inches="tight"), then closed. With `plain`, one matplotlib artist per cell,
        number and line, as a plain `interact` callback would draw; without, the
        explorer's own batched artists in a new figure."""
        import matplotlib.pyplot as plt

        clone = copy.copy(self)
        with plt.ioff():
            clone.fig = plt.figure(figsize=self.figsize, dpi=self.dpi)
        try:
            with draw.plain_artists() if plain else contextlib.nullcontext():
                clone.build()
            clone.draw()
            buffer = io.BytesIO()
            clone.fig.savefig(buffer, format="png", bbox_inches="tight")
            return buffer.getvalue()
        finally:
            plt.close(clone.fig)

    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def __repr__(self):
        shown = ", ".join(f"{k}={v}" for k, v in self.values().items())
        return f"{type(self).__name__}({shown})"

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")  # for GitHub / nbviewer
        return bundle

    def _ipython_display_(self):
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)

    def animate(self, control, frames=None, interval=500):
        """A static HTML animation (matplotlib's to_jshtml) stepping `control` through
        `frames` (default: its whole range), for readers without a running kernel."""
        from IPython.display import HTML

        slider_ = self.controls[control]
        start = slider_.value
        frames = list(range(slider_.min, slider_.max + 1)) if frames is None else list(frames)

        def show(value):
            slider_.value = value
            return []

        animation = FuncAnimation(self.fig, show, frames=frames, interval=interval, repeat=False)
        try:
            page = animation.to_jshtml(default_mode="once")
        finally:
            # unhook it, or the figure's next draw would start it and move the slider
            self.fig.canvas.mpl_disconnect(animation._first_draw_id)
            slider_.value = start
        return HTML(offline_controls(page))


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
