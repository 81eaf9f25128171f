"""`eg4sheet serve`: the support desk page and the JSON API, on the library API (generator.api).

config.py (settings, loopback check), body.py (request bodies: bounded, YAML or JSON),
convert.py (spec <-> JSON for the page), worker.py and pool.py (sheets rendered in a bounded
process pool), middleware.py (token, headers, one log line per request), routes.py (the API),
page.py (the page, its static files, the DIP drawings), app.py (the app and `serve`).
"""
