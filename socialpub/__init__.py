"""socialpub: social posts as code, with a compliance preview."""

__version__ = "0.1.0"
