"""The replaylint rule catalog: one module per rule, each carrying its documentation and examples.

Installed as the `replaylint.rules` package; never imported as a top-level `rules` package.
"""
