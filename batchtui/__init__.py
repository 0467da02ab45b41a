"""batchtui: a terminal app for OpenAI Batch API files."""

__version__ = "0.1.0"
