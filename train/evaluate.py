"""Evaluate weights on folders of colour photos: ``python -m train.evaluate`` = colorizer.evaluate."""

from colorizer.evaluate import main

if __name__ == "__main__":
    raise SystemExit(main())
