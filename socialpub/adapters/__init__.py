"""One module per platform behind the interface of `base.py`; SDKs are imported only when publishing."""
