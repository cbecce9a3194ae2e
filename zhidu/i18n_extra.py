"""Strings Zhidu translates on behalf of its dependencies.

Django 6.1 labels the empty choice of a select "- Select an option -", and Django's own
zh-hans catalogue has no translation for it yet; the project catalogue (searched before
Django's, through LOCALE_PATHS) supplies one."""

from django.utils.translation import gettext_noop

BORROWED = [gettext_noop("- Select an option -")]
