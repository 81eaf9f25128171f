"""Figures for the sheet, drawn with matplotlib as lean SVG (text kept as text)."""
