"""The colorizer: black-and-white photos to colour with a generator over quantised ab bins (U-Net or ECCV16)."""

from .inference import Colorizer

__version__ = "0.1.0"
__all__ = ["Colorizer", "__version__"]
