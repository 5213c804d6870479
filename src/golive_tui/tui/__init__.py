"""The interactive app (Textual). Nothing here is imported by `golive --help` or `status`.

Import `golive_tui.tui.app.make_app` to build the app; this package itself is empty
so that importing it costs nothing.
"""
