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
    "vs. k×k conv": "对比 k×k 卷积",
    "pixel row": "像素行",
    "pixel column": "像素列",
    "one weight per channel pair": "每对通道一个权重",
    "same W at every pixel": "每个像素用同一个 W",
    "pixel ({r}, {c}); dashed: a {k}×{k} kernel's view": "像素 ({r}, {c})；虚线：{k}×{k} 卷积核读取的范围",
    "x = input[:, {r}, {c}] = [{values}]": "x = 输入[:, {r}, {c}] = [{values}]",
    "1×1 conv {c_in}→{c_out}: params {params:,} (= out·in, no bias) · MACs {macs:,} (= {h}·{w} pixels × {params:,})":
        "1×1 卷积 {c_in}→{c_out}：参数量 {params:,}（= 输出通道数·输入通道数，无偏置）· 乘加运算量（MACs）{macs:,}"
        "（= {h}·{w} 个像素 × {params:,}）",
    "{k}×{k} conv, same channels, padding 'same': params {params:,} · MACs {macs:,} — {ratio:g}× the 1×1 (k² = {k2})":
        "{k}×{k} 卷积，通道数相同，填充方式 'same'：参数量 {params:,} · MACs {macs:,}——是 1×1 卷积的 {ratio:g} 倍"
        "（k² = {k2}）",
    "receptive field: 1×1 reads 1 pixel of every channel (mixes channels only); {k}×{k} reads {k}×{k} pixels of every "
    "channel": "感受野：1×1 卷积读取每个通道的 1 个像素（只混合通道）；{k}×{k} 卷积读取每个通道的 {k}×{k} 个像素",
    # -- explorers/fully_connected.py -----------------------------------------------------------------------
    "input size": "输入尺寸",
    "feature channels": "特征通道数",
    "score of class": "得分类别",
    "map row": "得分图行",
    "map column": "得分图列",
    "score map {side}×{side}, class {k}": "得分图 {side}×{side}，类别 {k}",
    "the conv net: every crop at once": "卷积网络：一次算出所有裁剪块",
    "crop ({top}, {left}) of size {crop}×{crop}, stride {stride}":
        "裁剪块 ({top}, {left})，大小 {crop}×{crop}，步幅 {stride}",
    "entry ({i}, {j}) of the score map ↔ the crop at rows {top}–{bottom}, columns {left}–{right} (effective stride "
    "{stride} = two 2×2 poolings)":
        "得分图的元素 ({i}, {j}) ↔ 第 {top}–{bottom} 行、第 {left}–{right} 列的裁剪块"
        "（等效步长 {stride} = 两次 2×2 池化）",
    "class {k}: conv net <b>{conv:.12f}</b> · classifier on the crop <b>{crop:.12f}</b> · difference {difference:.1e}":
        "类别 {k}：卷积网络 <b>{conv:.12f}</b> · 分类器作用于裁剪块 <b>{crop:.12f}</b> · 相差 {difference:.1e}",
    "all {n} classes: largest difference {difference:.1e} (floating-point rounding only)":
        "全部 {n} 个类别：最大相差 {difference:.1e}（只是浮点舍入误差）",
    "fc1 ({c}·7·7 → {hidden}) as a 7×7 conv {c}→{hidden}: params {fc1:,} = {conv7:,}, the same numbers reshaped":
        "fc1（{c}·7·7 → {hidden}）写成 7×7 卷积 {c}→{hidden}：参数量 {fc1:,} = {conv7:,}，同一批数，只是换了形状",
    # -- explorers/dilation.py ------------------------------------------------------------------------------
    "kernel size": "卷积核尺寸",
    "stacked layers": "堆叠层数",
    "layer 1 dilation": "第 1 层膨胀率",
    "layer 2 dilation": "第 2 层膨胀率",
    "layer 3 dilation": "第 3 层膨胀率",
    "layer 4 dilation": "第 4 层膨胀率",
    "input {n}×{n}": "输入 {n}×{n}",
    "input {n}×{n}, padding {p}": "输入 {n}×{n}，填充 {p}",
    "taps {d} apart: span {span}×{span}": "采样点相隔 {d}：跨度 {span}×{span}",
    "kernel {k}×{k}": "卷积核 {k}×{k}",
    "dilation {d}": "膨胀率 {d}",
    "output {n}×{n}": "输出 {n}×{n}",
    "stride 1": "步幅 1",
    "{n} stacked {k}×{k} layers, dilations ({dilations})": "{n} 层堆叠的 {k}×{k} 卷积，膨胀率 ({dilations})",
    "receptive field {size}×{size}, {holes} pixels never seen": "感受野 {size}×{size}，{holes} 个像素从未被看到",
    "effective kernel = k + (k − 1)(d − 1) = {k} + {k1}·{d1} = <b>{span}</b>":
        "等效卷积核 = k + (k − 1)(d − 1) = {k} + {k1}·{d1} = <b>{span}</b>",
    "output = ⌊({n} + 2·{p} − {d}·({k}−1) − 1) / 1⌋ + 1 = {top} + 1 = <b>{out}</b>; padding d·(k − 1)/2 = {same:g} "
    "keeps the size ('same')":
        "输出 = ⌊({n} + 2·{p} − {d}·({k}−1) − 1) / 1⌋ + 1 = {top} + 1 = <b>{out}</b>；填充 d·(k − 1)/2 = {same:g} "
        "可保持尺寸不变（'same'）",
    "output = ⌊({n} + 2·{p} − {d}·({k}−1) − 1) / 1⌋ + 1 = {top} + 1 = <b>{out}</b>; 'same' would need d·(k − 1)/2 = "
    "{same:g}: an even kernel pads unevenly":
        "输出 = ⌊({n} + 2·{p} − {d}·({k}−1) − 1) / 1⌋ + 1 = {top} + 1 = <b>{out}</b>；'same' 需要 d·(k − 1)/2 = "
        "{same:g}：偶数尺寸的卷积核两侧填充不相等",
    "stack: receptive field {sizes} (each layer adds (k − 1)·d = {k1}·d)":
        "堆叠：感受野 {sizes}（每层增加 (k − 1)·d = {k1}·d）",
    "all dilations share the factor {factor}: the unit sees one row and one column in every {factor} — {holes} of "
    "{pixels} pixels are holes (gridding)":
        "所有膨胀率有公因数 {factor}：无论行还是列，该单元每 {factor} 个只看到一个——{pixels} 个像素中有 {holes} 个"
        "是空洞（网格效应）",
    "no common factor, but the gaps are too wide for the layers below: {holes} holes":
        "没有公因数，但间隙太宽，下面的层补不满：{holes} 个空洞",
    "no holes: every pixel of the receptive field reaches the unit": "没有空洞：感受野中的每个像素都能到达该单元",
    # -- explorers/groups.py --------------------------------------------------------------------------------
    "groups": "分组数",
    "map side": "特征图边长",
    "+ 1×1 pointwise stage": "+ 1×1 逐点卷积",
    "pointwise out": "逐点输出通道",
    "depthwise, {k}×{k}": "逐通道卷积，{k}×{k}",
    "standard, {k}×{k}": "标准卷积，{k}×{k}",
    "{g} groups, {k}×{k}": "{g} 组，{k}×{k}",
    "{c} input channels": "{c} 个输入通道",
    "of {n}×{n} pixels": "每个 {n}×{n} 像素",
    "{c} output channels": "{c} 个输出通道",
    "connections (out × in)": "连接（输出 × 输入）",
    "{used} of {total} used": "{total} 个中用到 {used} 个",
    "1×1 pointwise": "1×1 逐点卷积",
    "weight shape (out, in/groups, k, k) = <b>{shape}</b>; each group: {c_in} input → {c_out} output channels":
        "权重形状（输出通道数, 输入通道数/分组数, k, k）= <b>{shape}</b>；每组：{c_in} 个输入通道 → {c_out} 个输出通道",
    "grouped {k}×{k}: params {c_out}·{per}·{k}·{k} = {params:,}; MACs ×{n}·{n} = {macs:,} (a standard conv "
    "{c_in}→{c_out}: ÷{g})":
        "分组 {k}×{k} 卷积：参数量 {c_out}·{per}·{k}·{k} = {params:,}；乘加运算量（MACs）×{n}·{n} = {macs:,}"
        "（标准卷积 {c_in}→{c_out} 的开销 ÷{g}）",
    "depthwise: one {k}×{k} kernel per input channel": "逐通道卷积：每个输入通道一个 {k}×{k} 卷积核",
    "depthwise: one {k}×{k} kernel per input channel, depth multiplier {m}":
        "逐通道卷积：每个输入通道一个 {k}×{k} 卷积核，深度乘子 {m}",
    "+ 1×1 pointwise {c_in}→{c_out}: params {params:,}; total {total:,} params, {macs:,} MACs":
        "+ 1×1 逐点卷积 {c_in}→{c_out}：参数量 {params:,}；合计参数量 {total:,}，MACs {macs:,}",
    "standard {k}×{k} conv {c_in}→{c_out}: {params:,} params, {macs:,} MACs → this is <b>{ratio:.4f}</b>× of it":
        "标准 {k}×{k} 卷积 {c_in}→{c_out}：参数量 {params:,}，MACs {macs:,} → 这里是它的 <b>{ratio:.4f}</b> 倍",
    # -- explorers/stacking.py ------------------------------------------------------------------------------
    "layers": "层数",
    "ReLU between layers": "层间 ReLU",
    "input sample": "输入样本",
    "{n} layers: {k}×{k} kernels": "{n} 层：{k}×{k} 卷积核",
    "{n} layer: {k}×{k} kernels": "{n} 层：{k}×{k} 卷积核",
    "dilations {dilations}": "膨胀率 {dilations}",
    "{size}×{size}: what the stack does to input sample {sample}": "{size}×{size}：这一叠层对输入样本 {sample} 的作用",
    "{size}×{size}: the one equivalent kernel": "{size}×{size}：与之等价的单个卷积核",
    "boxes: receptive field after each layer": "方框：每一层之后的感受野",
    "receptive field {sizes} (each layer adds (k − 1)·d = {k1}·d)": "感受野 {sizes}（每层增加 (k − 1)·d = {k1}·d）",
    "weights per channel pair: {n} × {k}·{k} = <b>{stack}</b> against one {size}×{size} kernel's <b>{single}</b> "
    "({saving:.0%} saved)":
        "每对通道的权重数：{n} × {k}·{k} = <b>{stack}</b>，单个 {size}×{size} 卷积核则是 <b>{single}</b>"
        "（节省 {saving:.0%}）",
    "weights per channel pair: {n} × {k}·{k} = <b>{stack}</b> against one {size}×{size} kernel's <b>{single}</b> "
    "(the stack costs more)":
        "每对通道的权重数：{n} × {k}·{k} = <b>{stack}</b>，单个 {size}×{size} 卷积核则是 <b>{single}</b>"
        "（这一叠层反而更多）",
    "{c}→{c} channels on {m}×{m}: stack {params:,} params / {macs:,} MACs; one {size}×{size} conv {one_params:,} / "
    "{one_macs:,}":
        "{c}→{c} 通道、{m}×{m} 特征图上：这一叠层参数量 {params:,} / 乘加运算量（MACs）{macs:,}；单个 {size}×{size} "
        "卷积 {one_params:,} / {one_macs:,}",
    "with ReLU the stack is not one convolution: the right shows its gradient for this input (equal to the linear "
    "kernel here: every unit was active)":
        "有 ReLU 时，这一叠层不是一个卷积：右侧是它对这个输入的梯度（这里与线性卷积核相同：每个单元都被激活了）",
    "with ReLU the stack is not one convolution: the right shows its gradient for this input (it differs from the "
    "linear kernel, and changes with the input sample)":
        "有 ReLU 时，这一叠层不是一个卷积：右侧是它对这个输入的梯度（它与线性卷积核不同，并随输入样本而变）",
    "without a nonlinearity the stack is one linear map: one convolution with the kernel on the right, W₁ ⊛ W₂ ⊛ … "
    "(full 2-D convolutions of the layer kernels)":
        "没有非线性时，这一叠层是一个线性映射：等于用右侧的卷积核做一次卷积，W₁ ⊛ W₂ ⊛ …（各层卷积核的二维完全卷积）",
    "{holes} pixels of the field get no weight at all (gaps left by the dilations)":
        "感受野中有 {holes} 个像素完全没有权重（膨胀留下的空隙）",
    # -- explorers/function.py ------------------------------------------------------------------------------
    "every {stride}th row and column": "行和列都每 {stride} 个取一个",
    # -- explorers/networks.py ------------------------------------------------------------------------------
    "network": "网络",
    "layer": "层",
    "unit row": "单元行",
    "unit column": "单元列",
    "{network} · {name} ({k}×{k}, stride {s})": "{network} · {name}（{k}×{k}，步幅 {s}）",
    "{side}×{side} units, each with a {size}×{size} field on the 224×224 picture":
        "{side}×{side} 个单元，每个在 224×224 的图片上有 {size}×{size} 的感受野",
    "paths from each pixel to the unit": "从每个像素到该单元的路径数",
    "equal weights, main path: the effective field's shape": "等权、沿主路径：有效感受野的形状",
    "layer {layer} (counting from 0) of the {layers} convolutions and poolings on the main path: <b>{name}</b>, output "
    "{side}×{side} for a {size}×{size} input":
        "主路径上 {layers} 个卷积层和池化层中的第 {layer} 层（从 0 数起）：<b>{name}</b>，输入为 {size}×{size} 时输出 "
        "{side}×{side}",
    "receptive field <b>{size}×{size}</b> · jump (effective stride) <b>{jump}</b> · start {start:g}":
        "感受野 <b>{size}×{size}</b> · 等效步长 <b>{jump}</b> · 起点 {start:g}",
    "unit ({r}, {c}) is centred on pixel ({y:g}, {x:g}) = start + index·jump; its field covers rows "
    "{top:g}…{bottom:g}, columns {left:g}…{right:g} ({inside:.0%} of it on the picture, the rest on padding)":
        "单元 ({r}, {c}) 的中心在像素 ({y:g}, {x:g}) = 起点 + 索引·等效步长；它的感受野覆盖第 {top:g}…{bottom:g} 行、"
        "第 {left:g}…{right:g} 列（{inside:.0%} 落在图片上，其余落在填充上）",
    "spread of the path counts {spread:.1f} px against {uniform:.1f} px for a uniform field of that size: the weight "
    "sits in the middle":
        "路径计数的标准差为 {spread:.1f} 像素，而同样大小的均匀感受野为 {uniform:.1f} 像素：权重集中在中间",
    # -- explorers/transposed.py ----------------------------------------------------------------------------
    # "input size", "kernel size", "input {n}×{n}", "kernel {k}×{k}", "output {n}×{n}", "stride 1": in the
    # fully_connected.py and dilation.py sections
    "output_padding": "输出填充",
    "input pixel": "输入像素",
    "view": "视图",
    "scatter": "散布",
    "zero insertion": "插零",
    "forward conv": "正向卷积",
    "pixel × kernel": "像素 × 卷积核",
    "= one stamp": "= 一个印章",
    "stamps {s} apart, summed": "印章相隔 {s}，相加",
    "stamps {s} apart, summed; {p} cropped (grey)": "印章相隔 {s}，相加；裁掉 {p}（灰色）",
    "stamps per output cell": "每个输出格子的印章数",
    "{lo}…{hi}: uneven is a checkerboard": "{lo}…{hi}：不均匀就是棋盘格",
    "input with {z} zero between pixels (yellow)": "像素之间插入 {z} 个零的输入（黄色）",
    "input with {z} zeros between pixels (yellow)": "像素之间插入 {z} 个零的输入（黄色）",
    "padded by dilation·(k−1) − padding = {ring} (grey)": "四周各补 膨胀率·(k−1) − 填充 = {ring} 个零（灰色）",
    "padded by dilation·(k−1) − padding = {ring} (cropped)": "四周各补 膨胀率·(k−1) − 填充 = {ring}（为负：裁剪）",
    "kernel flipped": "翻转的卷积核",
    "the same numbers as the stamps": "与盖印得到的数相同",
    "input: the transposed output {m}×{m}": "输入：转置卷积的输出 {m}×{m}",
    "padded by {p}": "填充 {p}",
    "no padding": "无填充",
    "Conv2d, stride {s}": "Conv2d，步幅 {s}",
    "the input's shape back, not its numbers": "回到输入的形状，而不是它的数值",
    "not the input's shape: output_padding ≥ stride": "不是输入的形状：output_padding ≥ 步幅",
    "output = (n − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1 = ({n} − 1)·{s} − 2·{p} + "
    "{d}·({k} − 1) + {op} + 1 = <b>{m}</b>":
        "输出 = (n − 1)·步幅 − 2·填充 + 膨胀率·(k − 1) + output_padding + 1 = ({n} − 1)·{s} − 2·{p} + "
        "{d}·({k} − 1) + {op} + 1 = <b>{m}</b>",
    "input pixel ({i}, {j}) = {value:g} stamps {value:g}·kernel onto output rows {r0}…{r1}, columns {c0}…{c1}":
        "输入像素 ({i}, {j}) = {value:g}，把 {value:g}·卷积核盖印到输出的第 {r0}…{r1} 行、第 {c0}…{c1} 列",
    "input pixel ({i}, {j}) = {value:g} stamps {value:g}·kernel onto output rows {r0}…{r1}, columns {c0}…{c1} "
    "(negative or past the end: cropped)":
        "输入像素 ({i}, {j}) = {value:g}，把 {value:g}·卷积核盖印到输出的第 {r0}…{r1} 行、第 {c0}…{c1} 列"
        "（为负或超出末端的部分被裁掉）",
    "stamps per output cell: {lo} to {hi} — even": "每个输出格子的印章数：{lo} 到 {hi}——均匀",
    "stamps per output cell: {lo} to {hi} — uneven: the checkerboard":
        "每个输出格子的印章数：{lo} 到 {hi}——不均匀：棋盘格",
    "params {params} (one kernel, no bias) · MACs {macs} (= {n}·{n} pixels × {k}·{k} taps)":
        "参数量 {params}（一个卷积核，无偏置）· 乘加运算量（MACs）{macs}（= {n}·{n} 个像素 × {k}·{k} 个采样点）",
    "the same: {z} zero(s) between pixels, padding dilation·(k−1) − padding = {ring}, then a stride-1 convolution with "
    "the flipped kernel":
        "同一个层：像素之间插入 {z} 个零，四周各补 膨胀率·(k−1) − 填充 = {ring} 个零，"
        "再用翻转的卷积核做步幅为 1 的卷积",
    "the same: {z} zero(s) between pixels, padding dilation·(k−1) − padding = {ring} and {op} more at the bottom and "
    "right, then a stride-1 convolution with the flipped kernel":
        "同一个层：像素之间插入 {z} 个零，四周各补 膨胀率·(k−1) − 填充 = {ring} 个零，底部和右侧再多填 {op}，"
        "再用翻转的卷积核做步幅为 1 的卷积",
    "Conv2d(kernel {k}, stride {s}, padding {p}, dilation {d}) maps {m}×{m} back to {f}×{f}, but its numbers differ "
    "from the input's by up to {back:g}: a transposed convolution is not an inverse":
        "Conv2d（卷积核 {k}，步幅 {s}，填充 {p}，膨胀率 {d}）把 {m}×{m} 映射回 {f}×{f}，但它的数值与输入最多相差 "
        "{back:g}：转置卷积不是逆运算",
    "Conv2d(kernel {k}, stride {s}, padding {p}, dilation {d}) maps {m}×{m} to {f}×{f}, not back to {n}×{n}: "
    "output_padding {op} is not smaller than the stride (PyTorch allows it because it is smaller than the dilation)":
        "Conv2d（卷积核 {k}，步幅 {s}，填充 {p}，膨胀率 {d}）把 {m}×{m} 映射成 {f}×{f}，而不是回到 {n}×{n}："
        "output_padding {op} 不小于步幅（PyTorch 允许它，是因为它小于膨胀率）",
    # -- explorers/pooling.py -------------------------------------------------------------------------------
    # "input size", "kernel size", "input {n}×{n}": in the fully_connected.py and dilation.py sections; "no padding":
    # in the transposed.py section
    "kind": "类型",
    "max": "最大",
    "average": "平均",
    "ceil_mode": "ceil_mode（向上取整）",
    "count_include_pad": "count_include_pad（计入填充）",
    "shift input 1 right": "输入右移 1 格",
    "output = {lo}(n + 2·padding − dilation·(k − 1) − 1) / stride{hi} + 1 = {lo}({n} + 2·{p} − {d}·({k} − 1) − 1) / "
    "{s}{hi} + 1 = {lo}{top} / {s}{hi} + 1 = {rounded} + 1":
        "输出 = {lo}(n + 2·填充 − 膨胀率·(k − 1) − 1) / 步幅{hi} + 1 = {lo}({n} + 2·{p} − {d}·({k} − 1) − 1) / "
        "{s}{hi} + 1 = {lo}{top} / {s}{hi} + 1 = {rounded} + 1",
    "output = {lo}(n + 2·padding − k) / stride{hi} + 1 = {lo}({n} + 2·{p} − {k}) / {s}{hi} + 1 = {lo}{top} / {s}{hi} "
    "+ 1 = {rounded} + 1":
        "输出 = {lo}(n + 2·填充 − k) / 步幅{hi} + 1 = {lo}({n} + 2·{p} − {k}) / {s}{hi} + 1 = {lo}{top} / {s}{hi} "
        "+ 1 = {rounded} + 1",
    " = {next}, but that last window would start at {start} ≥ n + padding = {edge}, past the input: PyTorch drops it "
    "→ <b>{m}</b>":
        " = {next}，但最后那个窗口会从 {start} ≥ n + 填充 = {edge} 处开始，已在输入之外：PyTorch 丢掉它 → <b>{m}</b>",
    "(remainder {left}: the last {left} row(s) and column(s) are never pooled, framed orange)":
        "（余数 {left}：最后 {left} 行和列从未参与池化，橙框标出）",
    "(ceil_mode: one more window, hanging over the edge, dashed orange)":
        "（ceil_mode：多一个伸出边缘的窗口，橙色虚线标出）",
    "input {n}×{n}, shifted 1 right": "输入 {n}×{n}，右移 1 格",
    "padded by {p} with −∞": "用 −∞ 填充 {p}",
    "padded by {p} with zeros": "用 0 填充 {p}",
    "max pooling {m}×{m}, floor": "最大池化 {m}×{m}，向下取整",
    "max pooling {m}×{m}, ceil": "最大池化 {m}×{m}，向上取整",
    "average pooling {m}×{m}, floor": "平均池化 {m}×{m}，向下取整",
    "average pooling {m}×{m}, ceil": "平均池化 {m}×{m}，向上取整",
    "before the shift": "平移之前",
    "{changed} of {total} changed (pink)": "改变了 {changed}/{total}（粉色）",
    "stride {s} = the kernel size: PyTorch's default (stride=None)":
        "步幅 {s} = 窗口大小：PyTorch 的默认值（stride=None）",
    "window ({i}, {j}) reads rows {top}…{bottom} and columns {left}…{right} of the padded input":
        "窗口 ({i}, {j}) 读取填充后输入的第 {top}…{bottom} 行和第 {left}…{right} 列",
    "window ({i}, {j}) reads rows {top}…{bottom} and columns {left}…{right} of the padded input, taps {d} apart":
        "窗口 ({i}, {j}) 读取填充后输入的第 {top}…{bottom} 行和第 {left}…{right} 列，采样点相隔 {d}",
    "out[{i}, {j}] = max({terms}) = {inf}: this window reads padding only":
        "out[{i}, {j}] = max({terms}) = {inf}：这个窗口只读到填充",
    "out[{i}, {j}] = max({terms}) = <b>{value:g}</b>, at input row {r}, column {c} (return_indices: {r}·{n} + {c} = "
    "{index}; framed green)":
        "out[{i}, {j}] = max({terms}) = <b>{value:g}</b>，位于输入的第 {r} 行、第 {c} 列（return_indices："
        "{r}·{n} + {c} = {index}；绿框标出）",
    "the window's cells inside the padded input (count_include_pad=True: padding zeros count)":
        "窗口中落在填充后输入之内的格子（count_include_pad=True：填充的 0 也计入）",
    "the window's cells inside the input (count_include_pad=False: padding does not count)":
        "窗口中落在输入之内的格子（count_include_pad=False：填充不计入）",
    " — never the part hanging past the padding": "——伸出填充之外的部分永远不计入",
    "out[{i}, {j}] = ({terms}) / {q} = <b>{value:.4g}</b>; divisor {q}: {which}{past} (framed green)":
        "out[{i}, {j}] = ({terms}) / {q} = <b>{value:.4g}</b>；除数 {q}：{which}{past}（绿框标出）",
    "input shifted one column right: {changed} of {total} outputs changed (pink) — pooling is not invariant to a "
    "one-pixel shift":
        "输入右移一列：{total} 个输出中有 {changed} 个改变（粉色）——池化对一个像素的平移不具有不变性",
    "params {params}: pooling learns nothing (a {k}×{k} strided convolution doing the same downsampling learns {conv} "
    "per input–output channel pair)":
        "参数量 {params}：池化什么也不学（做同样下采样的 {k}×{k} 带步幅卷积，每对输入–输出通道要学 {conv} 个参数）",
    # -- explorers/conv1d.py --------------------------------------------------------------------------------
    # "kernel size", "layers", "layer 1 dilation" … "layer 4 dilation": in the dilation.py and stacking.py sections
    "input length": "输入长度",
    "causal (pad left)": "因果（左侧填充）",
    "output position": "输出位置",
    "input": "输入",
    "layer {r}": "第 {r} 层",
    "paths": "路径数",
    "{n} layer, kernel {k}, stride {s}, causal, dilations {dilations}":
        "{n} 层，卷积核 {k}，步幅 {s}，因果，膨胀率 {dilations}",
    "{n} layers, kernel {k}, stride {s}, causal, dilations {dilations}":
        "{n} 层，卷积核 {k}，步幅 {s}，因果，膨胀率 {dilations}",
    "{n} layer, kernel {k}, stride {s}, padding {p}, dilations {dilations}":
        "{n} 层，卷积核 {k}，步幅 {s}，填充 {p}，膨胀率 {dilations}",
    "{n} layers, kernel {k}, stride {s}, padding {p}, dilations {dilations}":
        "{n} 层，卷积核 {k}，步幅 {s}，填充 {p}，膨胀率 {dilations}",
    "output {position} of layer {layers} (green) and every path back to the input (counted)":
        "第 {layers} 层的输出 {position}（绿色），以及从它回到输入的每一条路径（已计数）",
    "layer {layer}: ⌊({n} + {left} + {right} − {d}·({k} − 1) − 1) / {s}⌋ + 1 = <b>{out}</b> &nbsp;(padding {left} "
    "left, {right} right; dilation {d})":
        "第 {layer} 层：⌊({n} + {left} + {right} − {d}·({k} − 1) − 1) / {s}⌋ + 1 = <b>{out}</b> &nbsp;（左填充 {left}，"
        "右填充 {right}；膨胀率 {d}）",
    "output {position} of layer {layers} reads padding only": "第 {layers} 层的输出 {position} 只读到填充",
    "output {position} of layer {layers} is fed by inputs {first}…{last}":
        "第 {layers} 层的输出 {position} 来自输入 {first}…{last}",
    " — none after input {time}: causal": "——不含输入 {time} 之后的任何输入：因果",
    "; {holes} of them never reached (holes)": "；其中 {holes} 个从未被到达（空洞）",
    "receptive field = 1 + (k − 1)·(dilation × jump, summed over the layers) = 1 + {k1}·({terms}) = <b>{field}</b> "
    "(of a unit away from the edges)":
        "感受野 = 1 + (k − 1)·(各层的 膨胀率 × 等效步长 之和) = 1 + {k1}·({terms}) = <b>{field}</b>（远离边缘的单元）",
    "parameters {params} ({layers} kernels of {k}, one channel, no bias); an undilated stack of stride 1 with the same "
    "reach needs {plain} layers: {plain_params} parameters":
        "参数量 {params}（{layers} 个大小为 {k} 的卷积核，单通道，无偏置）；感受野相同、步幅为 1 的不膨胀堆叠"
        "需要 {plain} 层：参数量 {plain_params}",
    # -- explorers/padding.py -------------------------------------------------------------------------------
    # "input size", "kernel size": in the fully_connected.py and dilation.py sections
    "PyTorch 'same'": "PyTorch 的 'same'",
    "TensorFlow SAME": "TF 的 padding='SAME'",
    "k // 2": "每侧 k // 2",
    "valid": "valid（不填充）",
    "PyTorch refuses padding='same' with stride {s} (stride 1 only)":
        "步幅为 {s} 时 PyTorch 拒绝 padding='same'（只支持步幅 1）",
    "the window ({span} cells) is longer than the padded input ({padded}): refused":
        "窗口（{span} 格）比填充后的输入（{padded} 格）还长：被拒绝",
    "refused with stride > 1": "步幅 > 1 时被拒绝",
    "window longer than the padded input": "窗口比填充后的输入还长",
    "not available: {why}": "不可用：{why}",
    "{left} + {right} → {m} out": "{left} + {right} → {m} 个输出",
    "input of {n} cells (numbered), kernel {k}, stride {s}, dilation {d}: span {span}":
        "输入 {n} 格（已编号），卷积核 {k}，步幅 {s}，膨胀率 {d}：跨度 {span}",
    "grey: padding · red: first window · purple: last window · orange: never read":
        "灰色：填充 · 红色：第一个窗口 · 紫色：最后一个窗口 · 橙色：从未读到",
    "{name}: not available — {why}": "{name}：不可用——{why}",
    "{name}: padding {left} left, {right} right → ⌊({n} + {left} + {right} − {span}) / {s}⌋ + 1 = <b>{m}</b>":
        "{name}：左填充 {left}，右填充 {right} → ⌊({n} + {left} + {right} − {span}) / {s}⌋ + 1 = <b>{m}</b>",
    "TensorFlow SAME aims at ⌈n / stride⌉ = ⌈{n} / {s}⌉ = {outputs} outputs and puts the odd padding cell after: total "
    "{total} = {left} + {right}":
        "TensorFlow 的 padding='SAME' 以 ⌈n / 步幅⌉ = ⌈{n} / {s}⌉ = {outputs} 个输出为目标，多出的那个填充格补在后面："
        "共 {total} = {left} + {right}",
    "PyTorch 'same' pads dilation·(k − 1) = {total} in all, the odd cell on the right: the same padding as "
    "TensorFlow's here":
        "PyTorch 的 'same' 共填充 膨胀率·(k − 1) = {total}，多出的那格补在右边：这里与 TensorFlow 的填充相同",
    "PyTorch 'same' pads dilation·(k − 1) = {total} in all, the odd cell on the right: different padding as "
    "TensorFlow's here":
        "PyTorch 的 'same' 共填充 膨胀率·(k − 1) = {total}，多出的那格补在右边：这里与 TensorFlow 的填充不同",
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
