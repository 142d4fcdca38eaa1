"""Comparisons of the model with real test data."""
