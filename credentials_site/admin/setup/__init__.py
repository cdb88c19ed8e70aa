"""Set up a course: the guided pages from nothing to a first credential (views.py), and their forms."""
