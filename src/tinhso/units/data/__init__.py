"""Reference data files for the units app (see README.md); a package so that wheels include them."""
