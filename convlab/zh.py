"""The explorers' texts in Chinese: English text (as the code writes it, with its {placeholders}) →
Chinese, grouped by the module that shows it. Numbers, formulas, PyTorch's parameter names and code
stay as they are; terms follow the glossary (d2l-zh's conventions). A text missing here is shown in
English, and tests/test_language.py fails."""

TEXTS = {
    # -- explorers/base.py, explorers/controls.py: what every explorer shows --------------------------
    "play": "播放",
    "Your picture…": "你的图片…",
    "{name} = {old} is not offered here (steps of {step}): using {new}":
        "{name} = {old} 在这里不可选（步长为 {step}）：改用 {new}",
    "Could not use {name}: {error}. The picture shown is unchanged.": "无法使用 {name}：{error}。显示的图片保持不变。",
    "that file": "该文件",
    "Showing {name}.": "正在显示 {name}。",
    "{n} products": "{n} 个乘积",
    "row": "行",
    "rows": "行",
    "column": "列",
    "columns": "列",
    # -- explorers/sliding.py -------------------------------------------------------------------------
    "input height": "输入高度",
    "input width": "输入宽度",
    "kernel height": "卷积核高度",
    "kernel width": "卷积核宽度",
    "stride": "步幅",
    "padding": "填充",
    "dilation": "膨胀率",
    "in_channels": "输入通道数",
    "out_channels": "输出通道数",
    "filter = out ch.": "卷积核 = 输出通道",
    "window position": "窗口位置",
    "(remainder {left}: the last {left} {what} never covered, framed in orange)":
        "（余数 {left}：最后 {left} {what}从未被覆盖，橙色框标出）",
    "input {c}×{h}×{w}": "输入 {c}×{h}×{w}",
    "padded to {c}×{h}×{w}": "填充为 {c}×{h}×{w}",
    "{c} channels": "{c} 个通道",
    "{c} channel": "{c} 个通道",
    "filter {f}": "卷积核 {f}",
    "output {c}×{h}×{w}": "输出 {c}×{h}×{w}",
    "channel {f} in front": "最前面是通道 {f}",
    "out[{f}, {i}, {j}] reads rows {rows} and columns {cols} of the padded input:":
        "out[{f}, {i}, {j}] 读取填充后输入的第 {rows} 行和第 {cols} 列：",
    "channel {c}: {sum} = {total:g}": "通道 {c}：{sum} = {total:g}",
    "sum over {n} channels = <b>{value:g}</b>": "对 {n} 个通道求和 = <b>{value:g}</b>",
    "sum over {n} channel = <b>{value:g}</b>": "对 {n} 个通道求和 = <b>{value:g}</b>",
    "effective kernel {h}×{w} · params {params:,} · MACs {macs:,}":
        "等效卷积核 {h}×{w} · 参数量 {params:,} · 乘加运算量（MACs）{macs:,}",
    # -- explorers/pointwise.py -----------------------------------------------------------------------------
    # -- explorers/fully_connected.py -----------------------------------------------------------------------
    # -- explorers/dilation.py ------------------------------------------------------------------------------
    # -- explorers/groups.py --------------------------------------------------------------------------------
    # -- explorers/stacking.py ------------------------------------------------------------------------------
    # -- explorers/function.py ------------------------------------------------------------------------------
    # -- explorers/networks.py ------------------------------------------------------------------------------
    # -- explorers/transposed.py ----------------------------------------------------------------------------
    # -- explorers/pooling.py -------------------------------------------------------------------------------
    # -- explorers/conv1d.py --------------------------------------------------------------------------------
    # -- explorers/padding.py -------------------------------------------------------------------------------
    # -- images.py: why a reader's file is refused ----------------------------------------------------
    "the uploaded file": "上传的文件",
    "path={path!r} is not a file": "path={path!r} 不是一个文件",
    "{name} could not be read: {why}": "{name} 无法读取：{why}",
    "{name} is empty": "{name} 是空的",
    "{name} is {mb:.0f} MB; pictures of up to {most} MB are accepted":
        "{name} 有 {mb:.0f} MB；只接受不超过 {most} MB 的图片",
    "{name} has too many pixels; up to {most:,} are accepted": "{name} 的像素太多；最多接受 {most:,} 个像素",
    "{name} is {width}×{height} pixels; up to {most:,} are accepted":
        "{name} 有 {width}×{height} 个像素；最多接受 {most:,} 个像素",
    "{name} is not a picture that can be read (PNG, JPEG, GIF, BMP, …): {why}":
        "{name} 不是可读取的图片（PNG、JPEG、GIF、BMP……）：{why}",
    # -- explorers/saving.py: the Save button ---------------------------------------------------------
    "Save": "保存",
    "Save the picture as PNG next to the notebook": "把图片以 PNG 格式保存到笔记本所在的文件夹",
    "Save the picture as PNG and its animation as GIF next to the notebook":
        "把图片以 PNG 格式、动画以 GIF 格式保存到笔记本所在的文件夹",
    "Saved next to the notebook: {links}": "已保存到笔记本所在的文件夹：{links}",
    "Could not save: {error}": "无法保存：{error}",
}
