"""The base classes every Laurel admin page is built on.

Each ModelAdmin and inline in the product inherits from one of these, so what all admin pages share
(the admin theme, scoping to the organisations a user may see) is written once, here.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin


class LaurelAdmin(admin.ModelAdmin):
    """A model's admin pages."""


class LaurelHistoryAdmin(SimpleHistoryAdmin, LaurelAdmin):
    """A model's admin pages with its change history (django-simple-history)."""


class LaurelTabularInline(admin.TabularInline):
    """Related rows shown as a table on their parent's page."""


class LaurelStackedInline(admin.StackedInline):
    """Related rows shown as forms on their parent's page."""
