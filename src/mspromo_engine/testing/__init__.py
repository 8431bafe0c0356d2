"""Test helpers for code that uses :mod:`mspromo_engine`.

Needs the optional ``testing`` extra (``pip install mspromo[testing]``), which brings
hypothesis; nothing else in the engine imports it. See :mod:`mspromo_engine.testing.strategies`.
"""

__all__: list[str] = []
