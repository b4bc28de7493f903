"""Views of the projects pages: the list, a new project, editing one and its tasks."""
