"""convlab: the arithmetic of convolution made visible and checkable.

Modules: `arithmetic` (formulas), `reference` (NumPy conv2d equal to PyTorch's), `checks`
(parameter validation), `draw` (pictures), `explorers` (slider widgets), `exercises`
(self-checks for the notebooks), `bench` (speed figures), `network` (the table of your own model:
`network.summary`, which imports torch), `language` (`set_language("zh")`: the explorers in Chinese).
Importing convlab is light: it does not import torch, matplotlib or ipywidgets.
"""

from convlab.arithmetic import conv_macs, conv_output_size, conv_params, effective_kernel_size
from convlab.language import set_language

__version__ = "0.1.0"
__all__ = ["conv_output_size", "effective_kernel_size", "conv_params", "conv_macs", "set_language"]
