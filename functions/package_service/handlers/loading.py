"""The cyclic garbage collector, paused while a handler's modules load.

Importing a handler creates a few hundred thousand objects that live as long as the process, and the
collector would run dozens of times over them for nothing: ~18 ms of the API's ~270 ms cold import,
measured by bench/imports.py. Once loaded they are frozen (moved to the permanent generation), so the
collections that requests trigger later do not walk them either.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
