"""Tables of the reports app (issue 18)."""
