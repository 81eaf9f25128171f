"""Benchmarks (not tests): run.py for the CLI, serve.py for `eg4sheet serve`."""
