"""Default issue templates, shipped with the package as ``generator.templates``."""
