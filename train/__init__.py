"""Command line for training: ``python -m train.pack``, ``train.fit``, ``train.calibrate``."""
