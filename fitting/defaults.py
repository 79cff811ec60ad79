"""Defaults of the model fit that the command line shows: kept free of numpy and the physics so that
``anplab --help`` does not import them."""

#: The parameters a fit frees unless told otherwise (the dark rate is always free).
DEFAULT_FREE = ("shell_nm", "collection_efficiency")
