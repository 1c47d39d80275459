"""The bottom of the app chain: what every app may use and that knows no app (domain errors)."""
