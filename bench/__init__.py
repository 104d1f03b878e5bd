"""Benchmarks: answer accuracy and speed (``bench/qa.py``), the web process under load
(``python -m bench.load``)."""
