"""Exploring a system's uncertainties and levers: Sobol' sensitivity (SALib), scenario
discovery (PRIM) and an EMA Workbench adapter, over the same factors."""
