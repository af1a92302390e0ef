"""Scale-out: the engine's chunks of draws as tasks on a Dask cluster, and streaming
summaries (quantiles, outcome probabilities) that never hold every trajectory."""

from .cluster import ScaleError, connect, connected, run_chunks
from .streaming import summarise

__all__ = ["ScaleError", "connect", "connected", "run_chunks", "summarise"]
