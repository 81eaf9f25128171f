"""The light part: load a spec, the catalog, the cable rule, the rules, the correction, the plan.

Nothing here imports the heavy part (generator.sheet: view, figures, HTML, PDF) or
generator.output; `eg4sheet validate` runs on this package alone (a test holds the line).
"""
