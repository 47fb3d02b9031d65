"""API pages are cursor pages: a page deep in a million barriers costs what the first does, and
nothing ever counts the whole list."""

from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"  # newest first; views with a natural order name their own
