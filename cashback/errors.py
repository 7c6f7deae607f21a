from django.utils.functional import Promise
from django.utils.translation import gettext


class DomainError(Exception):
    """A rule of the domain refused the request; nothing was changed.

    `code` is stable (forms, the API and tests match on it), `message` is for people and
    already translated (or lazily translatable).
    """

    code = "error"

    def __init__(self, message="", *, code=None, field=None, **params):
        super().__init__()
        self._message = message
        if code:
            self.code = code
        self.field = field
        self.params = params

    @property
    def message(self):
        return self._message

    def __str__(self):
        return str(self.message)


class InvalidInput(DomainError):
    """A value a person sent is not acceptable; `field` names it when one field is at fault."""

    code = "invalid_input"


class NotAllowed(DomainError):
    """The person may not do this (e.g. only a company admin may)."""

    code = "not_allowed"


class Message:
    """A message written when it is read, in the reader's language.

    An upload is checked in the language of the person who sent it; its preview is read later,
    perhaps by a colleague in French. `Message(gettext_lazy("… %(value)s …"), value=…)` renders
    the text with its facts in whatever language is active where it is shown."""

    __slots__ = ("text", "params")

    def __init__(self, text, **params):
        self.text, self.params = text, params

    def __str__(self):
        return str(self.text) % self.params if self.params else str(self.text)

    def __eq__(self, other):
        return str(self) == str(other)

    __hash__ = None

    def as_data(self):
        """The message as it can be stored (JSON): the text to translate and its facts."""
        # A fact that is itself a text to translate (a country's name) is kept as such.
        params = {name: {"text": untranslated(value)} if isinstance(value, Promise) else str(value)
                  for name, value in self.params.items()}
        return {"text": untranslated(self.text), "params": params}

    @classmethod
    def from_data(cls, data):
        params = {name: _Stored(value["text"]) if isinstance(value, dict) else value
                  for name, value in data.get("params", {}).items()}
        return cls(_Stored(data.get("text", "")), **params)


def as_message_data(message):
    """Any message of a DomainError (a Message, a lazily translated text, a plain one) as data
    that Message.from_data() renders again in whatever language is active then."""
    return message.as_data() if isinstance(message, Message) else {"text": untranslated(message), "params": {}}


def untranslated(text):
    """The English text a lazily translated one was made from (the catalogue's key)."""
    if isinstance(text, Promise):
        return str(text._args[0]) if getattr(text, "_args", None) else str(text)  # gettext_lazy(msgid)
    return str(text)


class _Stored(str):
    """A stored text, translated when it is shown (it was marked for translation where it was written)."""

    def __str__(self):
        return gettext(str.__str__(self)) if self else ""
