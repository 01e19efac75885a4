"""Shared benchmark harness: peer environment, timing, workdirs, subprocess runs, reports."""
