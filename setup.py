"""The C extension; everything else about the package is in pyproject.toml.

`optional=True`: where no C compiler is found the install goes on without it and the feeds run
their pure-Python twins (bot4.marketdata._accel says which is in use). CI requires it: the
twin tests fail there when it is missing (tests/unit/marketdata/test_md_native.py).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "bot4.marketdata._native",
            ["src/bot4/marketdata/_native.c"],
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
            optional=True,
        )
    ]
)
