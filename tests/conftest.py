"""Settings for the whole suite."""

import os

# every run takes the NumPy backend unless a test asks for another: the compiled one
# would compile in the background at unpredictable times (tests/engine/test_fused.py
# compares the two)
os.environ["PROSPECTS_BACKEND"] = "numpy"
