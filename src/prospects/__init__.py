"""Prospects: evidence-linked, calibrated simulation of conflict systems."""
