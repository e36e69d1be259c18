"""Reports that councils and consortia plan from: indicators, dashboards, exports (issue 7)."""
