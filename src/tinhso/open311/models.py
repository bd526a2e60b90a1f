"""Tables of the Open311 interface (issue 18)."""
