"""The exception hierarchy. The CLI turns any of these into one ``Error: ...`` line."""

from __future__ import annotations


class GeneratorError(Exception):
    """Base class for errors a user can fix; anything else is a bug."""

    exit_code = 1  # the command's exit status (README: exit codes)


class ConfigError(GeneratorError):
    """newsletter.toml (or a command-line override) is invalid."""


class FetchError(GeneratorError):
    """A data source could not deliver prices."""


class DataError(GeneratorError):
    """Prices exist but cannot be used (missing ticker, bad print, too short a history)."""


class StoreError(GeneratorError):
    """The local price store is locked, unreadable or inconsistent."""


class TemplateError(GeneratorError):
    """A Jinja template failed; the message names the file and line."""


class DraftError(GeneratorError):
    """A draft could not be written without losing an editor's work, or is malformed."""


class PublishError(GeneratorError):
    """Publishing or building the site failed."""


class WriteError(GeneratorError):
    """A file could not be written (disk full, read-only folder, no permission); names the path."""


class WorkspaceBusyError(GeneratorError):
    """Another rotation command holds the workspace's lock."""


class PartialError(GeneratorError):
    """A command did part of its work (a fetch stored some tickers and failed others): exit 3."""

    exit_code = 3


class SendError(GeneratorError):
    """Sending an issue stopped, or ended with recipients refused or unconfirmed."""
