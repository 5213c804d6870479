"""The UI-free core: checklist model, state, secrets, probes, export, sandbox.

Nothing under this package may import Textual; `tests/test_architecture.py`
enforces it. Submodules are imported directly (no re-exports) so that a command
only pays for what it uses.
"""
