"""Pure analysis functions on pandas DataFrames, usable on data from any setup."""
