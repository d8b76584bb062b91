"""romas benchmarks: each one measures romas against a baseline in the same run and prints the ratio."""
