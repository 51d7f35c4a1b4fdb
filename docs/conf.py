"""Sphinx configuration of the qnsim documentation.

Build: ``pip install ".[docs]" && sphinx-build -W --keep-going -b html docs docs/_build/html``.
The tutorials execute on every build (myst-nb, nothing cached); the API, CLI and scenario-file
references are generated from the installed package (docstrings, argparse parsers, specs).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))

import qnsim  # noqa: E402  (the installed package is what the docs describe)

project = "qnsim"
author = "the qnsim developers"
copyright = "the qnsim developers, Apache-2.0"
release = qnsim.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "myst_nb",
    "qnsim_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**/.ipynb_checkpoints", "jupyter_execute"]
templates_path = []

html_theme = "furo"
html_title = f"qnsim {release}"
html_static_path = []

# Docstrings are Google style with Args/Returns/Raises/Example sections.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True  # Attributes sections as fields: properties are documented once
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_docstring_signature = True  # pybind11 puts the signature on the docstring's first line
autodoc_default_options = {"show-inheritance": True}
# Type aliases render by name, not expanded.
autodoc_type_aliases = {"Formalism": "qnsim.specs.Formalism"}

# The package's own docstring examples run under pytest (tests/test_doctests.py, the native
# module's included); the doctest builder runs the docs' own ``doctest`` blocks.
doctest_test_doctest_blocks = ""
doctest_global_setup = "import math\nimport numpy as np\nimport qnsim"

# Tutorials execute on every build: no cache, any error fails the build.
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_timeout = 300
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

suppress_warnings = [
    # myst-nb text notebooks carry a kernelspec header; Sphinx needs nothing else from them.
    "myst.header",
]
