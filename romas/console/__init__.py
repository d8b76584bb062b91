"""The browser console at ``/console``: one HTML page and its static assets, talking to the public API only."""
