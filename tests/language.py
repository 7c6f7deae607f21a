"""Is a text in the language it should be? Checked against the translation catalogues: any of
their English texts (those translated differently) standing in a Dutch or French page, file or
email is a text someone forgot to translate; a Dutch text on a French page (or the other way
round, or either on an English page) is one made in another reader's language."""

import gettext
import re
from functools import lru_cache
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "locale"
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}")

# English words of the catalogue that are words of the other language too (or names everyone
# uses); they say nothing about a forgotten translation. Each with why.
SAME_WORD = {
    "nl": {
        "Upload",  # "Upload gegevens" is the brief's own Dutch
        "Account",  # Dutch too ("Account aanmaken")
        "Portal",  # in "Sunny Portal", the maker's name for its portal
    },
    "fr": {
        "Portal",  # in "Sunny Portal"
    },
}


@lru_cache(maxsize=None)
def _english_texts(language):
    """Fragments (between placeholders) of the English texts that `language` translates."""
    catalog = _catalog(language)
    fragments = set()
    for key, translation in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        msgid = msgid.split("\x04")[-1]  # without a context
        if not msgid or translation.strip() == msgid.strip():
            continue
        for fragment in _PLACEHOLDER.split(msgid):
            fragment = fragment.strip(" .,:;()–-…“”\"'·/\n")
            words = fragment.split()
            # A fragment the translation keeps as it is (a name, a word both languages share:
            # "Cashback", "Postcode") is no sign of a text left untranslated.
            if not words or fragment in SAME_WORD[language] or fragment in translation:
                continue
            # One word only when it is a real word of some length; else two or more words.
            if (len(words) == 1 and len(fragment) >= 6 and fragment.isalpha()) or len(words) >= 2:
                fragments.add(fragment)
    # Longest first, so that a long sentence is reported rather than the words inside it.
    return sorted(fragments, key=len, reverse=True)


def _catalog(language):
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as handle:
        return gettext.GNUTranslations(handle)._catalog


@lru_cache(maxsize=None)
def _other_texts(language, other):
    """Fragments of `other`'s translations of two words or more that `language` (and English)
    would never show: the text of a message made in the other language."""
    mine = _catalog(language) if language != "en" else {}
    fragments = set()
    for key, translation in _catalog(other).items():
        msgid = (key[0] if isinstance(key, tuple) else key).split("\x04")[-1]
        if not msgid:
            continue
        own = mine.get(key, msgid)
        for fragment in _PLACEHOLDER.split(translation):
            fragment = fragment.strip(" .,:;()–-…“”«»\"'·/\n")
            if len(fragment.split()) >= 2 and fragment not in own and fragment not in msgid:
                fragments.add(fragment)
    return fragments


@lru_cache(maxsize=None)
def _pattern(language):
    texts = set(_english_texts(language)) if language != "en" else set()
    for other in ("nl", "fr"):
        if other != language:
            texts |= _other_texts(language, other)
    texts = sorted(texts, key=len, reverse=True)
    return re.compile(r"(?<![\w])(" + "|".join(re.escape(f) for f in texts) + r")(?![\w])")


def wrong_language_in(text, language):
    """Texts of the catalogues found in `text` that belong to another language than `language`."""
    if not text:
        return []
    text = _ADDRESS.sub(" ", text)  # the words of a link's path are no text to read
    return sorted(set(_pattern(language).findall(text)))


_ADDRESS = re.compile(r"(?:https?://|/)[\w./?=&%:-]+")

