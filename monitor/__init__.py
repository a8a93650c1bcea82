"""monitor: watch news feeds for the subjects you care about and alert on new stories."""

__version__ = "0.1.0"
