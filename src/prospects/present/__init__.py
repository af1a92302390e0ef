"""Presenting results: tables for the terminal, charts and HTML pages."""
