"""The compliance layer: verification of the hash-chained record (more to come)."""
