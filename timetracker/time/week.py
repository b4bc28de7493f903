"""Views of the week grid: a week of durations per project and task, saved in one go."""
