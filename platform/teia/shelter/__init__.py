"""Shelter places pooled by consortia: units, requests, allocation, stays, discharge."""
