"""``emblemcheck browse``: the catalogue and the scan history in a local Datasette.

``app`` builds and serves the Datasette, ``metadata`` generates its titles,
descriptions and facets, ``queries`` holds the SQL it runs (canned queries
and the plugin's lookups), and ``plugin`` is the Datasette plugin
(thumbnails, previews, the ``hamming()`` SQL function).
"""

#: The port ``emblemcheck browse`` serves on unless told otherwise.
DEFAULT_PORT = 8001
