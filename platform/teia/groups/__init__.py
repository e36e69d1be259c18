"""Supra-municipal working groups: case vignettes, meetings, constraints (issue 6)."""
