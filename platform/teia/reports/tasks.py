"""Reports built by the worker: one run at a time with its progress, and the monthly runs of
every council and consortium."""

from __future__ import annotations
