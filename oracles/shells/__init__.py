"""The shells: the notebook API, ``compare-frameworks``, the pytest plugin and the gradebook (on one
machine or on Dask). Options map to the library here and nowhere else; these are the only modules
that import ``properties/``, and nothing below imports them."""
