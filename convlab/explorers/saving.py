"""Slides from any explorer: its current picture saved as PNG, SVG or PDF, an animated GIF stepping one
control through its values, and the Save button that writes both next to the notebook with a link."""

import base64
import hashlib
import html
import os
import re
from pathlib import Path

import ipywidgets as widgets
import numpy as np
from PIL import Image

from convlab.explorers.controls import choices

__all__ = ["save", "save_gif", "save_button", "file_stem", "pixels"]

FORMATS = (".png", ".svg", ".pdf", ".gif")
PICTURE_DPI = 200  # a still for a projector: 2000 × 780 pixels for the 10 × 3.9 inch figure
MOST_DPI = 1000
MOST_FPS = 50  # a GIF counts its delays in hundredths of a second; browsers slow anything faster than 20 ms
MOST_NAME = 200  # characters of a file's stem; longer settings are shortened and given a hash


def checked_path(path):
    """`path` as a Path with one of the allowed extensions, in a directory that exists."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a path, got {path!r}")
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"path must end in {', '.join(FORMATS[:-1])} or {FORMATS[-1]}, got {str(path)!r}")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot save {str(path)!r}: the directory {str(path.parent)!r} does not exist")
    return path


def checked_number(value, name, most):
    """A positive number up to `most` (not a bool), as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a positive number, got {value!r}")
    if not 0 < value <= most:
        raise ValueError(f"{name} must be a positive number up to {most}, got {value!r}")
    return float(value)


def pixels(explorer, dpi=None):
    """The explorer's current picture as an (height, width, 4) uint8 array, drawn by Agg at `dpi`
    (default: the explorer's own, the pixels of `explorer.png()`)."""
    with explorer._lock:
        explorer.render()
        fig = explorer.fig
        shown = fig.dpi
        fig.dpi = shown if dpi is None else dpi
        try:
            fig.canvas.draw()
            return np.asarray(fig.canvas.buffer_rgba()).copy()
        finally:
            fig.dpi = shown


def save(explorer, path, control=None, fps=2, dpi=None):
    """Write the explorer's current picture to `path`: PNG (at `dpi`, default 200), SVG or PDF by
    the extension; or, for a .gif, an animation of `control` (see `save_gif`). Returns the Path."""
    path = checked_path(path)
    kind = path.suffix.lower()
    if kind == ".gif":
        return save_gif(explorer, path, control, fps, dpi)
    if control is not None:
        raise ValueError(f"control only applies to an animation (a .gif), got control={control!r} for {str(path)!r}")
    dpi = PICTURE_DPI if dpi is None else checked_number(dpi, "dpi", MOST_DPI)
    if kind == ".png":
        Image.fromarray(pixels(explorer, dpi)).save(path, format="PNG", dpi=(dpi, dpi))
        return path
    metadata = {"Date": None} if kind == ".svg" else {"CreationDate": None}  # the same picture, the same file
    with explorer._lock:
        explorer.render()
        explorer.fig.savefig(path, format=kind[1:], dpi=dpi, facecolor=explorer.fig.get_facecolor(),
                             metadata=metadata)
    return path


def animated_control(explorer, control):
    """The name of the control a GIF steps through: `control`, or the explorer's Play control."""
    movable = [name for name, widget in explorer.controls.items() if len(choices(widget)) > 1]
    if control is None:
        if explorer.plays:
            return next(iter(explorer.plays))
        raise ValueError(f"{type(explorer).__name__} has no Play control: name the control to animate, "
                         f"control= one of {movable} (the controls that offer more than one value now)")
    if control not in explorer.controls:
        raise ValueError(f"control must name one of this {type(explorer).__name__}'s controls "
                         f"{list(explorer.controls)}, got {control!r}")
    return control


def frames(explorer, control, dpi=None):
    """The explorer's picture at every value `control` offers now, the explorer left as it was."""
    with explorer._lock:
        widget, start = explorer.controls[control], explorer.values()
        pictures = []
        try:
            for value in choices(widget):
                widget.value = value
                pictures.append(pixels(explorer, dpi))
        finally:
            explorer.set_values(start)
        return pictures


def quantized(pictures):
    """The RGBA pictures as palette images quantized to one palette made from all of them, without
    dithering: a colour is shown the same in every frame (no flicker), and a pixel that does not change
    stays the same, so the GIF stores only what changes. One index is left free for Pillow to mark
    unchanged pixels transparent; Pillow shrinks each frame's table to the colours it uses."""
    rgb = [Image.fromarray(np.ascontiguousarray(p[..., :3])) for p in pictures]
    step = max(1, int(np.sqrt(len(pictures) / 4)))  # past four frames, sample the pixels for the palette
    sample = np.concatenate([p[::step, ::step, :3] for p in pictures])
    palette = Image.fromarray(np.ascontiguousarray(sample)).quantize(255, method=Image.Quantize.MEDIANCUT)
    return [image.quantize(palette=palette, dither=Image.Dither.NONE) for image in rgb]


def save_gif(explorer, path, control=None, fps=2, dpi=None):
    """An animated GIF at `path` stepping `control` (default: the Play control) through every value
    it offers now, `fps` frames a second, looping; each frame the explorer's picture at `dpi`
    (default: its own). The explorer is left as it was. Returns the Path. (Pillow writes two equal
    pictures in a row as one frame shown for both their times.)"""
    path = checked_path(path)
    name = animated_control(explorer, control)
    duration = round(1000 / checked_number(fps, "fps", MOST_FPS))
    dpi = None if dpi is None else checked_number(dpi, "dpi", MOST_DPI)
    first, *rest = quantized(frames(explorer, name, dpi))
    first.save(path, format="GIF", save_all=True, append_images=rest, duration=duration, loop=0)
    return path


def setting(value):
    """A control's value as it may appear in a file name."""
    if isinstance(value, (bool, np.bool_)):
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, float) else str(value)


def file_stem(explorer, leave_out=()):
    """A file name (without extension) saying the explorer and its settings, e.g.
    'SlidingKernelExplorer-height-6-width-6-…', in letters, digits, '-', '_' and '.' only."""
    parts = [type(explorer).__name__]
    for name, value in explorer.values().items():
        if name not in leave_out:
            parts += [name, setting(value)]
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", "-".join(parts)).strip(".")
    if len(stem) > MOST_NAME:
        stem = stem[:MOST_NAME - 9] + "-" + hashlib.sha1(stem.encode()).hexdigest()[:8]
    return stem


def save_files(explorer, directory):
    """The current picture as PNG in `directory` and, where the explorer has a Play control, its
    animation as GIF; the paths written."""
    directory = Path(directory)
    written = [save(explorer, directory / f"{file_stem(explorer)}.png")]
    if explorer.plays:
        control = next(iter(explorer.plays))
        written.append(save_gif(explorer, directory / f"{file_stem(explorer, (control,))}.gif", control))
    return written


MEDIA = {".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml", ".pdf": "application/pdf"}


def link_html(paths, tr):
    """Download links to the files written, carrying the files themselves (data: URLs): a widget's HTML is
    not resolved against the notebook's folder by JupyterLab, and Voila does not serve that folder."""
    links = " · ".join(f'<a href="data:{MEDIA[p.suffix.lower()]};base64,{base64.b64encode(p.read_bytes()).decode()}" '
                       f'download="{html.escape(p.name)}">{html.escape(p.name)}</a>' for p in paths)
    saved = tr("Saved next to the notebook: {links}", links=links)
    return f"<span style='font-family:monospace;font-size:12px'>{saved}</span>"


def error_html(error, tr):
    why = tr("Could not save: {error}", error=html.escape(str(error) or type(error).__name__))
    return f"<span style='color:#b00020;font-family:monospace;font-size:12px'>{why}</span>"


def save_button(explorer):
    """A Save button and the line beside it: a click writes the picture (and the animation) into the
    current directory, where the notebook runs, and shows links to the files, or what went wrong."""
    tooltip = explorer.tr("Save the picture as PNG and its animation as GIF next to the notebook" if explorer.plays
                          else "Save the picture as PNG next to the notebook")
    button = widgets.Button(description=explorer.tr("Save"), icon="download", tooltip=tooltip,
                            layout=widgets.Layout(width="90px"))
    link = widgets.HTML(layout=widgets.Layout(margin="0 0 0 8px"))

    def clicked(_):
        button.disabled = True
        try:
            link.value = link_html(save_files(explorer, Path.cwd()), explorer.tr)
        except Exception as error:  # shown beside the button: a click's traceback would go unseen
            link.value = error_html(error, explorer.tr)
        finally:
            button.disabled = False

    button.on_click(clicked)
    return widgets.HBox([button, link])
