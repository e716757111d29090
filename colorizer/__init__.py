"""The colorizer: black-and-white photos to colour with a generator over quantised ab bins (U-Net or ECCV16)."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["Colorizer", "__version__"]


def __getattr__(name: str):
    """``from colorizer import Colorizer`` loads torch only when asked: ``--help`` answers at once."""
    if name == "Colorizer":
        from .inference import Colorizer

        return Colorizer
    raise AttributeError(f"module 'colorizer' has no attribute {name!r}")
