// The browser backend of convlab's scenes (convlab/canvas.py): one generic renderer that draws a
// draw.Scene, sent as arrays per kind of item, on a canvas at the screen's pixel ratio. Items carry
// an interval of the view value (e.g. the window position); only those holding it are drawn, so a
// view-only control (linked to `value` or `value1` in the browser) changes the picture without the
// kernel. The view value is value·strides[0] + value1·strides[1] (e.g. row·width + column).
// Plain JavaScript, no build step, nothing loaded from elsewhere.

const KINDS = ["fills", "lines", "texts", "marks", "titles", "pictures", "moves", "view", "size", "axes", "value",
               "value1", "strides", "image0", "image1", "image2", "image3"];

function floats(view) {
  return view ? new Float32Array(view.buffer, view.byteOffset, view.byteLength / 4) : new Float32Array(0);
}

function bytes(view) {
  return view ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : new Uint8Array(0);
}

// a field of the items, one row of `width` values per item, from what canvas.py sent: the rows of runs of
// equal rows and the runs' lengths, or a single row for every item, or every row
function field(items, name, width, count, view) {
  const rows = view(items[name]), lengths = items[`${name}_runs`];
  if (!lengths && (rows.length !== width || count <= 1)) return rows;
  const runs = lengths ? new Uint16Array(lengths.buffer, lengths.byteOffset, lengths.byteLength / 2) : [count];
  const out = new rows.constructor(width * count);
  let at = 0;
  runs.forEach((length, r) => {
    const row = rows.subarray(r * width, (r + 1) * width);
    for (let k = 0; k < length; k++, at++) out.set(row, at * width);
  });
  return out;
}

function rgba(colors, n) {
  const a = colors[4 * n + 3] / 255;
  return `rgba(${colors[4 * n]},${colors[4 * n + 1]},${colors[4 * n + 2]},${a})`;
}

function shownAt(shown, n, value) {
  return shown[2 * n] <= value && value <= shown[2 * n + 1];
}

function shorts(view) {
  return view ? new Int16Array(view.buffer, view.byteOffset, view.byteLength / 2) : new Int16Array(0);
}

// how far the items of each group move at the view-only controls' values (Scene.moving), in cells: the sum,
// over the controls, of the offset its table gives for its value
function offsets(model) {
  const values = [model.get("value"), model.get("value1")];
  return (model.get("moves") || []).map((tables) => {
    let dx = 0, dy = 0;
    tables.forEach((view, i) => {
      const table = floats(view), last = table.length / 2 - 1;
      const at = Math.min(Math.max(Math.round(values[i]), 0), last);
      dx += table[2 * at];
      dy += table[2 * at + 1];
    });
    return [dx, dy];
  });
}

function moved(group, n, shift) {
  return group[n] >= 0 ? shift[group[n]] : [0, 0];
}

// where a point in cells lands on the canvas, in CSS pixels
function placement(model) {
  const [width, height] = model.get("size");
  const [left, bottom, w, h] = model.get("axes");
  const [x0, x1, yBottom, yTop] = model.get("view");
  const top = (1 - bottom - h) * height;
  const sx = (w * width) / (x1 - x0), sy = (h * height) / (yBottom - yTop);
  return {width, height, cell: Math.abs(sx), x: (x) => left * width + (x - x0) * sx,
          y: (y) => top + (y - yTop) * sy, figureY: (fraction) => (1 - fraction) * height};
}

function corners(items) {  // (x, y) of each quad's four corners, from rectangles or from the corners sent
  if (!items.rects) return floats(items.verts);
  const rects = floats(items.rects), verts = new Float32Array(2 * rects.length);
  for (let n = 0; n < rects.length / 4; n++) {
    const [x0, y0, x1, y1] = rects.subarray(4 * n, 4 * n + 4);
    verts.set([x0, y0, x1, y0, x1, y1, x0, y1], 8 * n);
  }
  return verts;
}

function quads(ctx, items, at, value, points, shift) {
  const verts = corners(items), count = verts.length / 8;
  const faces = field(items, "faces", 4, count, bytes), edges = field(items, "edges", 4, count, bytes);
  const widths = field(items, "widths", 1, count, floats), shown = field(items, "shown", 2, count, shorts);
  const group = field(items, "group", 1, count, shorts);
  for (let n = 0; n < count; n++) {
    if (!shownAt(shown, n, value)) continue;
    const [dx, dy] = moved(group, n, shift);
    ctx.beginPath();
    for (let c = 0; c < 4; c++) {
      const x = at.x(verts[8 * n + 2 * c] + dx), y = at.y(verts[8 * n + 2 * c + 1] + dy);
      c === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y);
    }
    ctx.closePath();
    if (faces[4 * n + 3] > 0) {
      ctx.fillStyle = rgba(faces, n);
      ctx.fill();
    }
    if (widths[n] > 0 && edges[4 * n + 3] > 0) {
      ctx.strokeStyle = rgba(edges, n);
      ctx.lineWidth = widths[n] * points;
      ctx.stroke();
    }
  }
}

function lines(ctx, items, at, value, points, shift) {
  const segments = floats(items.segments), count = segments.length / 4;
  const colors = field(items, "colors", 4, count, bytes), widths = field(items, "widths", 1, count, floats);
  const dashed = field(items, "dashed", 1, count, bytes), shown = field(items, "shown", 2, count, shorts);
  const group = field(items, "group", 1, count, shorts);
  let style = null;
  for (let n = 0; n < count; n++) {
    if (!shownAt(shown, n, value)) continue;
    const next = `${rgba(colors, n)}|${widths[n]}|${dashed[n]}`;
    if (next !== style) {  // consecutive segments of one style are one path
      if (style !== null) ctx.stroke();
      style = next;
      ctx.beginPath();
      ctx.strokeStyle = rgba(colors, n);
      ctx.lineWidth = widths[n] * points;
      ctx.setLineDash(dashed[n] ? [3.7 * widths[n] * points, 1.6 * widths[n] * points] : []);
    }
    const [dx, dy] = moved(group, n, shift);
    ctx.moveTo(at.x(segments[4 * n] + dx), at.y(segments[4 * n + 1] + dy));
    ctx.lineTo(at.x(segments[4 * n + 2] + dx), at.y(segments[4 * n + 3] + dy));
  }
  if (style !== null) ctx.stroke();
  ctx.setLineDash([]);
}

function texts(ctx, items, at, value, points, family, title, shift) {
  const strings = items.strings || [], xy = floats(items.xy), count = strings.length;
  const colors = field(items, "colors", 4, count, bytes), sizes = field(items, "sizes", 1, count, floats);
  const fits = field(items, "fits", 1, count, floats), shown = field(items, "shown", 2, count, shorts);
  const group = field(items, "group", 1, count, shorts);
  ctx.textAlign = "center";
  ctx.textBaseline = "alphabetic";
  let font = null, digit = 0;
  const setFont = (px) => {  // setting ctx.font is slow: only when the size changes
    const next = `${px.toFixed(2)}px ${family}`;
    if (next !== font) {
      font = ctx.font = next;
      digit = ctx.measureText("0").actualBoundingBoxAscent;  // centre on the height of a digit
    }
  };
  for (let n = 0; n < strings.length; n++) {
    if (!shownAt(shown, n, value)) continue;
    let px = sizes[n] * points;
    setFont(px);
    let width = ctx.measureText(strings[n]).width;
    const room = fits[n] * at.cell;  // a number must fit in its cell: measured here, in the page's font
    if (isFinite(room) && width > room) {
      px *= room / width;
      setFont(px);
      width = room;
    }
    const [dx, dy] = moved(group, n, shift);
    let x = at.x(xy[2 * n] + dx);
    const y = (title ? at.figureY(xy[2 * n + 1]) : at.y(xy[2 * n + 1] + dy)) + digit / 2;
    if (title) {  // keep a title inside the picture
      const half = width / 2 + 4;
      x = Math.min(Math.max(x, half), Math.max(half, at.width - half));
    }
    ctx.fillStyle = rgba(colors, n);
    ctx.fillText(strings[n], x, y);
  }
}

function viewValue(model) {
  const [a, b] = model.get("strides");
  return model.get("value") * a + model.get("value1") * b;
}

function pictures(ctx, model, at, value, cache, shift) {
  ctx.imageSmoothingEnabled = false;  // pixels repeated, as the Agg backend does
  for (const picture of model.get("pictures")) {
    if (!(picture.lo <= value && value <= picture.hi)) continue;
    const slot = model.get(`image${picture.slot}`);
    if (!slot || !slot.rgba) continue;
    let bitmap = cache[picture.slot];
    if (!bitmap || bitmap.key !== slot.key) {  // each image is unpacked once, when it first arrives
      const canvas = document.createElement("canvas");
      canvas.width = slot.cols;
      canvas.height = slot.rows;
      const data = new ImageData(new Uint8ClampedArray(bytes(slot.rgba)), slot.cols, slot.rows);
      canvas.getContext("2d").putImageData(data, 0, 0);
      bitmap = cache[picture.slot] = {key: slot.key, canvas};
    }
    const [dx, dy] = picture.group >= 0 ? shift[picture.group] : [0, 0];
    const x0 = at.x(picture.x + dx), y0 = at.y(picture.y + dy);
    ctx.drawImage(bitmap.canvas, x0, y0, at.x(picture.x + dx + picture.w) - x0, at.y(picture.y + dy + picture.h) - y0);
  }
}

function paint(model, canvas, cache, family) {
  const at = placement(model);
  const ratio = window.devicePixelRatio || 1;
  const width = Math.round(at.width * ratio), height = Math.round(at.height * ratio);
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  canvas.style.width = `${at.width}px`;
  canvas.dataset.ratio = String(ratio);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.fillStyle = "white";
  ctx.fillRect(0, 0, at.width, at.height);
  const value = viewValue(model), points = model.get("dpi") / 72, shift = offsets(model);
  pictures(ctx, model, at, value, cache, shift);
  quads(ctx, model.get("fills"), at, value, points, shift);
  lines(ctx, model.get("lines"), at, value, points, shift);
  texts(ctx, model.get("texts"), at, value, points, family, false, shift);
  quads(ctx, model.get("marks"), at, value, points, shift);
  texts(ctx, model.get("titles"), at, value, points, family, true, shift);
  canvas.dataset.painted = String(Number(canvas.dataset.painted || 0) + 1);
  canvas.dataset.value = String(value);
}

export default {
  render({model, el}) {
    const canvas = document.createElement("canvas");
    canvas.className = "convlab-canvas";
    canvas.style.maxWidth = "100%";
    canvas.style.height = "auto";
    canvas.style.display = "block";
    el.appendChild(canvas);
    const family = getComputedStyle(el).fontFamily || "sans-serif";
    const cache = {};
    let pending = false;  // the traits of one message change one after another: paint once, right after them
    const draw = () => { pending = false; paint(model, canvas, cache, family); };
    const later = () => { if (!pending) { pending = true; queueMicrotask(draw); } };
    for (const kind of KINDS) model.on(`change:${kind}`, later);
    let screen = null;
    const watchRatio = () => {  // moved to another screen, or zoomed: draw again at the new pixel ratio
      screen = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
      screen.addEventListener("change", onRatio, {once: true});
    };
    const onRatio = () => { later(); watchRatio(); };
    watchRatio();
    draw();
    return () => {
      for (const kind of KINDS) model.off(`change:${kind}`, later);
      screen.removeEventListener("change", onRatio);
      pending = true;  // a paint already queued finds nothing to do
    };
  },
};
