"""Management commands whose output campaign staff read."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation


class StaffCommand(BaseCommand):
    """Speaks the portal's language (Dutch unless LANGUAGE_CODE says otherwise) or --language."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES],
                            help="the language of what the command prints (default: the portal's)")
        return parser

    def execute(self, *args, **options):
        language = options.get("language") or translation.get_language() or settings.LANGUAGE_CODE
        with translation.override(language):
            return super().execute(*args, **options)
