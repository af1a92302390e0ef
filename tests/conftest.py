"""Settings for the whole suite."""

import os

# every run takes the NumPy backend unless a test asks for another: "auto" would pick the
# compiled one wherever a kernel happens to be cached (tests/engine/test_fused.py
# compares the two)
os.environ["PROSPECTS_BACKEND"] = "numpy"
