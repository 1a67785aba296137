"""Where the application's own files are: templates, bundled themes and static assets.

In a source checkout they are the top-level `templates/` and `themes/` folders; an installed
wheel carries them under `qspace/_bundled/` (see pyproject.toml).
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE / "_bundled"
_CHECKOUT = _PACKAGE.parent

TEMPLATES_DIR = (_BUNDLED if (_BUNDLED / "templates").is_dir() else _CHECKOUT) / "templates"
BUNDLED_THEMES_DIR = (_BUNDLED if (_BUNDLED / "themes").is_dir() else _CHECKOUT) / "themes"
STATIC_DIR = _PACKAGE / "static"
