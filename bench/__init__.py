"""Bot4 benchmarks: one module per family, run with `bot4 bench NAME`."""
