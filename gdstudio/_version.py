"""The one version number of Gradient Descent Studio (package, About box, installers)."""

__version__ = "0.1.0"
