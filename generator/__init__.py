"""eg4sheet: validated install sheets for mixed EG4 server-rack battery banks."""

__version__ = "0.1.0"
