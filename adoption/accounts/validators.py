"""Password rules of our own, beside Django's length, common-password and similarity checks."""

from django.core.exceptions import ValidationError

# The service's name and the demo data's password (`seed_demo --password`), letters only.
SERVICE_WORDS = {"spreadwatch", "spreadwatchdemo"}


class ServicePasswordValidator:
    """Refuses a password that is the service's name or its demo password once case, spaces,
    punctuation and digits are set aside: "Spreadwatch 2026!" or "SPREADWATCH-DEMO1"."""

    def validate(self, password, user=None):
        letters = "".join(character for character in password.casefold() if character.isalpha())
        if letters in SERVICE_WORDS:
            raise ValidationError(
                "This password is too easy to guess: it is the service's name or its demo "
                "password.",
                code="password_service_name",
            )

    def get_help_text(self):
        return "Your password can’t be the service’s name or its demo password."
