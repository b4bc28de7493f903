"""Views of the Time page: one day of entries, the timer, editing and deleting an entry."""
