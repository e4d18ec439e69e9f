"""The scene is a description, apart from how it is drawn: `draw.Scene` collects plain arrays
(no figure, no matplotlib artist), and `agg.AggRenderer` turns the same description into pixels
where the description says."""

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from convlab import agg, draw


def described():
    scene = draw.Scene((400, 200), 80)
    scene.fit(8, 4)
    scene.clear()
    scene.stack(draw.cell_colors(np.arange(8.0).reshape(1, 2, 4), "Blues", 0, 7), (0, 1), draw.labels(
        np.arange(8).reshape(2, 4)))
    scene.box(5, 1, 2, 2, draw.WINDOW_COLOR)
    scene.fill(draw.rectangle(5, 1, 2, 2), "#2ca02c")
    scene.titles([("a title", "and its second line")], [2])
    return scene


def test_a_scene_is_plain_arrays_and_needs_no_figure():
    scene = described()
    assert not hasattr(scene, "ax")
    assert scene.fills.joined("verts").shape == (8 + 1, 4, 2)  # 8 cells, 1 green rectangle
    assert scene.marks.joined("verts").shape == (1, 4, 2)
    assert scene.texts.flat("strings") == [str(n) for n in range(8)]
    assert scene.titles_.flat("strings") == ["a title", "and its second line"]
    assert scene.lines.joined("segments").shape == (3 + 5, 2, 2)  # the grid's row and column lines


def test_the_agg_renderer_puts_each_item_where_the_scene_says():
    scene = described()
    fig = Figure(figsize=(5, 2.5), dpi=80)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    renderer = agg.AggRenderer(ax)
    renderer.render(scene)
    picture = np.asarray(Image.open(io.BytesIO(agg.figure_png(fig))).convert("RGB")) / 255
    green = picture[renderer.pixel(6.0, 2.0)]
    np.testing.assert_allclose(green, np.array([0x2C, 0xA0, 0x2C]) / 255, atol=0.02)
    first, last = picture[renderer.pixel(0.25, 1.25)], picture[renderer.pixel(3.75, 2.75)]
    assert first.mean() > last.mean() + 0.1  # the Blues scale darkens from 0 to 7
    for x, y in [(0.5, 1.5), (6.0, 2.0)]:  # the scene's own pixel mapping agrees with the renderer's
        assert np.allclose(scene.to_pixels(x, y)[::-1], renderer.pixel(x, y), atol=1)
