"""The browser backend's Python half: `canvas.CanvasRenderer` sends a scene as arrays per kind of
item (binary buffers that decode to exactly the scene's arrays), only the traits that changed, each
image once; view-only controls are linked to the canvas in the browser; the JavaScript renderer
ships inside the package and loads nothing from elsewhere."""

from importlib.resources import files

import numpy as np
import pytest

from convlab import canvas, draw
from convlab.explorers import DilationExplorer, Explorer, ReceptiveFieldExplorer, SlidingKernelExplorer


def rows(items, name, dtype, width, count):
    """A field as canvas.js reads it: one row per item, from runs of equal rows or a single row for all."""
    array = np.frombuffer(items[name], dtype).reshape(-1, width)
    if f"{name}_runs" in items:
        return np.repeat(array, np.frombuffer(items[f"{name}_runs"], np.uint16), axis=0)
    return np.repeat(array, count, axis=0) if len(array) == 1 else array


def test_the_scene_arrives_as_the_arrays_it_holds():
    e = SlidingKernelExplorer(input_size=5, kernel_size=3, padding=1, in_channels=2)
    sent, scene = e.canvas, e.scene
    rects = np.frombuffer(sent.fills["rects"], np.float32).reshape(-1, 4)
    verts = scene.fills.joined("verts")
    np.testing.assert_allclose(rects, np.concatenate([verts[:, 0], verts[:, 2]], axis=1), rtol=1e-6)
    for kind, field, dtype, width in (("fills", "faces", np.uint8, 4), ("fills", "edges", np.uint8, 4),
                                      ("texts", "colors", np.uint8, 4)):
        items = getattr(scene, kind)
        np.testing.assert_array_equal(rows(getattr(sent, kind), field, dtype, width, len(items.joined(field))),
                                      np.round(items.joined(field) * 255))
    for kind, field in (("fills", "widths"), ("texts", "sizes"), ("lines", "widths")):
        items = getattr(scene, kind)
        np.testing.assert_allclose(rows(getattr(sent, kind), field, np.float32, 1, len(items.joined(field)))[:, 0],
                                   items.joined(field), rtol=1e-6)
    assert sent.texts["strings"] == scene.texts.flat("strings")
    np.testing.assert_allclose(np.frombuffer(sent.texts["xy"], np.float32).reshape(-1, 2), scene.texts.joined("xy"),
                               rtol=1e-6)
    assert sent.view == list(scene.view) and sent.size == [800.0, 312.0]
    assert len(sent.moves) == len(scene.moves) == 2  # the window and its output cell, moved per position


def test_a_field_is_sent_in_runs_of_equal_values_where_that_is_shorter():
    scene = draw.Scene((100, 100), 80)
    scene.fill(draw.squares(3, 3), np.linspace(0, 1, 36).reshape(9, 4), "black", 0.6)
    scene.fill(draw.squares(2, 2), "red", "black", 0.6, shown=np.array([[0, 0], [0, 0], [1, 1], [1, 1]]))
    payload = canvas.CanvasRenderer(canvas.Canvas(), (100, 100), (0, 0, 1, 1), 80).payload(scene)["fills"]
    assert len(payload["faces"]) == 13 * 4 and "faces_runs" not in payload  # nine colours, then four reds
    assert len(payload["edges"]) == 4 and len(payload["widths"]) == 4  # one edge colour, one width for all
    assert len(payload["group"]) == 2  # none in a group
    np.testing.assert_array_equal(rows(payload, "shown", np.int16, 2, 13),  # always, then two views of two
                                  [[-32767, 32767]] * 9 + [[0, 0]] * 2 + [[1, 1]] * 2)
    assert len(payload["shown"]) == 3 * 4 and len(payload["shown_runs"]) == 3 * 2


def test_a_quad_that_is_not_a_rectangle_is_sent_with_its_corners():
    scene = draw.Scene((100, 100), 80)
    scene.fill(np.array([[(0, 0), (1, 0.5), (1, 1), (0, 1)]], float), "red")
    payload = canvas.CanvasRenderer(canvas.Canvas(), (100, 100), (0, 0, 1, 1), 80).payload(scene)
    assert "rects" not in payload["fills"]
    np.testing.assert_allclose(np.frombuffer(payload["fills"]["verts"], np.float32).reshape(-1, 4, 2),
                               scene.fills.joined("verts"))


def test_a_view_only_control_is_linked_in_the_browser_and_sends_almost_nothing():
    e = DilationExplorer.example()
    [link] = e.links
    assert link.source == (e.controls["position"], "value") and link.target == (e.canvas, "value")
    e.controls["position"].value = 4
    assert e.canvas.value == 4 and e.browser.sent < 100  # the value itself; every window is already there
    assert e.state["position"] == (1, 1)  # and the kernel follows


VIEWING = [cls for cls in Explorer.registry() if cls.view_controls]


def test_the_output_cells_and_the_window_are_applied_in_the_browser():
    names = {cls.__name__: cls.view_controls for cls in VIEWING}
    assert names["SlidingKernelExplorer"] == names["DilationExplorer"] == ("position",)
    assert names["PointwiseExplorer"] == names["FCEquivalenceExplorer"] == names["ReceptiveFieldExplorer"] == \
        ("row", "col")


@pytest.mark.parametrize("cls", VIEWING, ids=lambda cls: cls.__name__)
def test_each_view_only_control_moves_the_picture_sending_only_its_value(cls):
    e = cls.example()
    for name, trait in zip(e.view_controls, ("value", "value1"), strict=False):
        control = e.controls[name]
        before, png = e.readout.value, e.png()
        control.value = control.max if control.value != control.max else control.min
        assert getattr(e.canvas, trait) == control.value and e.browser.sent < 100, \
            f"{name}: sent {e.browser.sent} bytes"  # the value; the scene already holds every view
        assert e.readout.value != before and e.png() != png  # the kernel follows, and the picture moved
        assert e.scene.value == e.view_value() == sum(
            getattr(e.canvas, t) * s for t, s in zip(("value", "value1"), e.canvas.strides, strict=True))


def test_a_control_that_needs_the_kernel_sends_only_what_changed():
    e = SlidingKernelExplorer.example()
    before = {name: getattr(e.canvas, name) for name in ("fills", "texts", "titles", "marks", "lines")}
    e.controls["filter"].value = e.controls["filter"].value  # no change: nothing at all
    e.controls["stride"].value = 1
    after = {name: getattr(e.canvas, name) for name in before}
    assert after["fills"] != before["fills"] and after["titles"] != before["titles"]
    assert e.browser.sent > 0


def test_a_picture_is_sent_once_and_only_again_when_it_changes():
    e = ReceptiveFieldExplorer.example()
    photo = e.canvas.image0["key"]
    e.controls["row"].value = 1
    assert e.browser.sent < 1000 and e.canvas.image0["key"] == photo  # moving the unit: no picture resent
    heat = e.canvas.image1["key"]
    e.controls["layer"].value = 20
    assert e.canvas.image0["key"] == photo and e.canvas.image1["key"] != heat  # a new layer: its heat map only


def test_every_explorer_draws_on_a_canvas_and_keeps_a_static_png():
    for cls in Explorer.registry():
        e = cls.example()
        assert e.canvas in e.widget.children
        assert e._repr_mimebundle_()["image/png"]


def test_the_renderer_ships_in_the_package_and_loads_nothing_from_elsewhere():
    source = files("convlab").joinpath("canvas.js").read_text()
    assert "export default" in source and "devicePixelRatio" in source
    assert "http" not in source and "import " not in source and "fetch(" not in source


def test_a_scene_with_too_many_pictures_is_refused():
    scene = draw.Scene((10, 10), 80)
    for _ in range(canvas.SLOTS + 1):
        scene.picture(np.zeros((2, 2, 3)), 0, 0)
    with pytest.raises(ValueError, match="at most"):
        canvas.CanvasRenderer(canvas.Canvas(), (10, 10), (0, 0, 1, 1), 80).render(scene)
