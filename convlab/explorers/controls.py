"""An explorer's controls, declared once: each `Int`, `Choice` or `Toggle` states its label,
default and bounds; from the declaration come the widget, the check of a starting keyword
argument, and every value the control offers. Helpers narrow controls while keeping them valid:
`limit` (a slider's range and step), `offer` (a selection's options), `freeze` (a control that does
not apply right now), `snap` (a value the range allows but the step does not)."""

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from convlab.checks import is_int

__all__ = ["Int", "Choice", "Toggle", "choices", "every_value", "limit", "offer", "freeze", "snap"]

STYLE, WIDTH = {"description_width": "110px"}, "310px"  # every control the same width, so rows line up


@dataclass(frozen=True)
class Int:
    """An integer slider from `lo` to `hi` in steps of `step`. `argument` names the keyword
    argument the starting value comes from, where it is not the control's own name (e.g. both
    `height` and `width` come from `input_size`); `play` (ms per step) adds a Play button."""

    label: str
    default: int
    lo: int
    hi: int
    step: int = 1
    argument: str | None = None
    play: int | None = None

    def check(self, value, name):
        """`value` as an int, or a TypeError/ValueError naming the argument and what is allowed."""
        name = self.argument or name
        if not is_int(value):
            raise TypeError(f"{name} must be an integer from {self.lo} to {self.hi} in this explorer, got {value!r}")
        if not self.lo <= value <= self.hi or (value - self.lo) % self.step:
            steps = f" in steps of {self.step}" if self.step > 1 else ""
            raise ValueError(f"{name} must be an integer from {self.lo} to {self.hi}{steps} in this explorer, "
                             f"got {value!r}")
        return int(value)

    def widget(self, value, tr=str):
        """The slider, its label passed through `tr` (the explorer's language)."""
        return widgets.IntSlider(value=value, min=self.lo, max=self.hi, step=self.step, description=tr(self.label),
                                 continuous_update=True, style=STYLE, layout=widgets.Layout(width=WIDTH))


@dataclass(frozen=True)
class Choice:
    """One of `options` (numbers or strings), as a selection slider or, with `dropdown`, a menu."""

    label: str
    default: object
    options: tuple
    argument: str | None = None
    dropdown: bool = False

    def check(self, value, name):
        for option in self.options:  # the same value and the same kind: 2.0 is not the option 2, True not 1
            same_kind = is_int(option) and is_int(value) or type(value) is type(option)
            if same_kind and value == option:
                return option
        error = TypeError if not isinstance(value, (str, int, float)) else ValueError
        raise error(f"{self.argument or name} must be one of {list(self.options)} in this explorer, got {value!r}")

    def widget(self, value, tr=str):
        """The selection; its label and any option that is a word are passed through `tr`."""
        kind = widgets.Dropdown if self.dropdown else widgets.SelectionSlider
        options = [(tr(o), o) if isinstance(o, str) else o for o in self.options]
        return kind(options=options, value=value, description=tr(self.label), style=STYLE,
                    layout=widgets.Layout(width=WIDTH))


@dataclass(frozen=True)
class Toggle:
    """On or off, as a checkbox."""

    label: str
    default: bool = False
    argument: str | None = None

    def check(self, value, name):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{self.argument or name} must be True or False, got {value!r}")
        return bool(value)

    def widget(self, value, tr=str):
        return widgets.Checkbox(value=value, description=tr(self.label), layout=widgets.Layout(width=WIDTH))


def choices(control):
    """Every value a control offers now: a slider's range in its steps, a selection's options, a
    checkbox's two states, or just the current value when the control is disabled."""
    if control.disabled:
        return [control.value]
    if isinstance(control, (widgets.SelectionSlider, widgets.Dropdown)):
        return option_values(control)
    if isinstance(control, widgets.Checkbox):
        return [False, True]
    return list(range(control.min, control.max + 1, control.step))


def option_values(selection):
    """The values a selection offers (a word option is shown as a (label, value) pair)."""
    return [o[1] if isinstance(o, tuple) else o for o in selection.options]


def every_value(control):
    """Every value a reader can give a control: for a slider, every integer of its range, also
    between its steps (typed into its readout, or set from Python)."""
    if isinstance(control, widgets.IntSlider) and not control.disabled:
        return list(range(control.min, control.max + 1))
    return choices(control)


def snap(control):
    """Move a slider's value onto its step grid (the nearest step within its range). Returns the
    value it had if it moved, else None."""
    if not isinstance(control, widgets.IntSlider) or control.step == 1:
        return None
    value, lo, step = control.value, control.min, control.step
    if (value - lo) % step == 0:
        return None
    top = lo + (control.max - lo) // step * step
    control.value = min(top, lo + int((value - lo) / step + 0.5) * step)
    return value


def limit(control, lo, hi, step=None):
    """Narrow a slider to lo..hi (and `step`), never passing through min > max, its value moved
    into the new range and onto the step grid."""
    if step is not None and control.step != step:
        control.step = step
    if lo > control.max:
        control.max = hi
        control.min = lo
    else:
        control.min = lo
        control.max = hi
    snap(control)


def offer(selection, options):
    """Change what a selection offers, keeping its value if it is still offered, else moving to
    the nearest option (ipywidgets alone would jump to the first option, or refuse)."""
    options = list(options)
    if option_values(selection) == options:
        return
    value = selection.value
    if value not in options:
        value = min(options, key=lambda o: abs(o - value)) if all(map(is_int, [value, *options])) else options[0]
    labels = dict(zip(option_values(selection), selection.options, strict=True))  # keep the shown words
    selection.options = [labels.get(o, o) for o in options]
    selection.value = value


def freeze(control, frozen, lo, hi):
    """Keep a control that does not apply right now at its value, disabled; or free it to lo..hi."""
    limit(control, *((control.value, control.value) if frozen else (lo, hi)))
    control.disabled = frozen
