"""Which language, French or English, a contact wrote in (pure, no I/O).

A reply goes out in the language of the message it answers when the message tells
(`detect_language`), else in the contact's language (or the deployment's default for a
stranger). Messages are short ("Où en est 0061…", "AIDE", "stop updates"), so this counts
marker words and French accents rather than guessing from letter statistics: a text made of
a code only, or as much French as English, tells nothing (None).
"""

from __future__ import annotations

import re
import unicodedata

from tracker.whatsapp.messages import Lang

_FRENCH = frozenset(
    (
        "aide abonner sabonner desabonner arret arreter suivre tout tous bonjour bonsoir salut "
        "merci svp stp ou est le la les de du des un une et en au aux mon ma mes notre nos "
        "votre vos je j vous nous il elle quel quelle quels quand comment pourquoi avec pour "
        "sur dans voici voila c colis expedition livraison suivi statut commande palette "
        "recu recue abimee abime oui non pas mise mises jour numero ce cette ces litige certificat "
        "certificats retard manquant endommage"
    ).split()
)
_ENGLISH = frozenset(
    (
        "help subscribe unsubscribe follow all hello hi hey thanks thank please where is are "
        "the my our your what when how why with for from of to at this that these here "
        "shipment parcel package order delivery tracking track status updates update "
        "number yes no not i you we it damaged pallet received dispute certificate certificates "
        "cert late missing"
    ).split()
)
# Letters English texts do not have.
_FRENCH_LETTERS = re.compile(r"[àâçéèêëîïôùûüÿœæ]", re.IGNORECASE)


def detect_language(text: str) -> Lang | None:
    """Return "fr" or "en" when the text's words say so, else None."""
    lowered = text.casefold().replace("\u2019", "'")
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c)
    )
    words = re.findall(r"[a-z]+", plain)
    french = sum(word in _FRENCH for word in words) + len(_FRENCH_LETTERS.findall(lowered))
    english = sum(word in _ENGLISH for word in words)
    if french > english:
        return "fr"
    if english > french:
        return "en"
    return None
