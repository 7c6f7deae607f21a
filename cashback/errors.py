from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext


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
        params = {name: _text_data(value) if isinstance(value, Promise) else str(value)
                  for name, value in self.params.items()}
        return {**_text_data(self.text), "params": params}

    @classmethod
    def from_data(cls, data):
        params = {name: _Stored.of(value) if isinstance(value, dict) else value
                  for name, value in data.get("params", {}).items()}
        return cls(_Stored.of(data), **params)


def render_stored(data, fallback=""):
    """A stored message in the active language, or `fallback` (the text as it was written) when
    the stored data cannot be rendered (an older shape, a catalogue that changed its placeholders)."""
    try:
        return str(Message.from_data(data))
    except (AttributeError, KeyError, TypeError, ValueError):
        return fallback


def as_message_data(message):
    """Any message of a DomainError (a Message, a lazily translated text, a plain one) as data
    that Message.from_data() renders again in whatever language is active then."""
    return message.as_data() if isinstance(message, Message) else {**_text_data(message), "params": {}}


def _text_data(text):
    """The English text (and context) a lazily translated text was made from: the catalogue's key."""
    arguments = getattr(text, "_args", None) if isinstance(text, Promise) else None
    if arguments and len(arguments) == 2:  # pgettext_lazy(context, message)
        return {"text": str(arguments[1]), "context": str(arguments[0])}
    if arguments:  # gettext_lazy(message)
        return {"text": str(arguments[0])}
    return {"text": str(text)}


class _Stored(str):
    """A stored text, translated when it is shown (it was marked for translation where it was written)."""

    context = ""

    @classmethod
    def of(cls, data):
        stored = cls(data.get("text", ""))
        stored.context = data.get("context", "")
        return stored

    def __str__(self):
        text = str.__str__(self)
        if not text:
            return ""
        return pgettext(self.context, text) if self.context else gettext(text)
