"""The colorizer: black-and-white photos to colour with an ECCV16 generator trained as a GAN."""

from .inference import Colorizer

__version__ = "0.1.0"
__all__ = ["Colorizer", "__version__"]
