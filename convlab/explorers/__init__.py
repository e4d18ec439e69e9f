"""Slider explorers, one per concept, each in a module of its own. Each keeps one
matplotlib figure and changes it in place on every slider move; `base.Explorer` holds the
contract they all follow (controls, widget, state, synchronous update)."""

from convlab.explorers.base import Explorer
from convlab.explorers.dilation import DilationExplorer
from convlab.explorers.fully_connected import FCEquivalenceExplorer
from convlab.explorers.groups import GroupConvExplorer
from convlab.explorers.networks import ReceptiveFieldExplorer
from convlab.explorers.pointwise import PointwiseExplorer
from convlab.explorers.sliding import SlidingKernelExplorer
from convlab.explorers.stacking import StackedKernelExplorer

__all__ = ["Explorer", "SlidingKernelExplorer", "PointwiseExplorer", "FCEquivalenceExplorer", "DilationExplorer",
           "GroupConvExplorer", "StackedKernelExplorer", "ReceptiveFieldExplorer"]
