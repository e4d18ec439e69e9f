"""Small figures for the lessons, so that a lesson cell shows the idea and not the plotting:
a row of pictures (diverging maps get a scale symmetric about zero and a colour bar). Each returns
a bare matplotlib Figure (not pyplot's), which a notebook shows once as the cell's result."""

import numpy as np
from matplotlib.figure import Figure

__all__ = ["image_row", "DIVERGING"]

DIVERGING = {"RdBu_r", "RdBu", "PuOr_r", "PuOr", "coolwarm", "bwr", "seismic", "PiYG", "PRGn"}


def image_row(panels, height=2.8, width_per_panel=2.4, title_size=10):
    """One figure with a picture per panel: `panels` holds (image, title) or (image, title, cmap)
    tuples; an image is (H, W) or (H, W, 3). A diverging colour map is centred on 0 (white) and
    gets a colour bar, so that positive and negative values read at a glance."""
    fig = Figure(figsize=(width_per_panel * len(panels), height), dpi=100, layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, panel in zip(axes, panels, strict=True):
        image, title, cmap = (*panel, None)[:3]
        image = np.asarray(image)
        if cmap in DIVERGING:
            reach = float(np.abs(image).max()) or 1.0
            shown = ax.imshow(image, cmap=cmap, vmin=-reach, vmax=reach)
            fig.colorbar(shown, ax=ax, shrink=0.8, pad=0.02)
        else:
            ax.imshow(image, cmap=cmap if image.ndim == 2 else None)
        ax.set_title(title, fontsize=title_size)
        ax.set_axis_off()
    return fig
