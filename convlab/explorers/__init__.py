"""Slider explorers, one per concept, each in a module of its own. Each keeps one scene and
changes it in place on every slider move; `base.Explorer` holds the contract they all follow
(declared controls, widget, state, synchronous update) and `Explorer.registry()` lists them."""

from convlab.explorers.base import Explorer
from convlab.explorers.controls import Choice, Int, Toggle
from convlab.explorers.conv1d import Conv1dExplorer
from convlab.explorers.dilation import DilationExplorer
from convlab.explorers.fully_connected import FCEquivalenceExplorer
from convlab.explorers.function import FunctionExplorer
from convlab.explorers.groups import GroupConvExplorer
from convlab.explorers.networks import ReceptiveFieldExplorer
from convlab.explorers.padding import PaddingExplorer
from convlab.explorers.pointwise import PointwiseExplorer
from convlab.explorers.pooling import PoolingExplorer
from convlab.explorers.sliding import SlidingKernelExplorer
from convlab.explorers.stacking import StackedKernelExplorer
from convlab.explorers.transposed import TransposedConvExplorer

__all__ = ["Explorer", "Int", "Choice", "Toggle", "SlidingKernelExplorer", "PointwiseExplorer",
           "FCEquivalenceExplorer", "DilationExplorer", "GroupConvExplorer", "StackedKernelExplorer",
           "ReceptiveFieldExplorer", "TransposedConvExplorer", "PoolingExplorer", "Conv1dExplorer", "PaddingExplorer",
           "FunctionExplorer"]
