"""Which language a person writes in: English or Italian, from the words they use."""

from __future__ import annotations

from bot.guide.words import words
from bot.strings import Language

# Words that give a language away: function words and the setup vocabulary people type.
# Not "i" (an Italian article too) nor "key" or "limit", which Italians write in Italian
# ("i miei rate limit", "la API key").
_ITALIAN_TEXT = """
    il lo la gli le un una di da del della dei delle nel nella con su per che chi come cosa
    dove quando quale perche non mi ti si ci sono ho hai ha posso puoi devo deve fare e
    metto mettere inserisco inserire trovo vedo vedere cerco quanto costa costi errore iva
    fattura partita funziona riesco ricevo arriva mio mia miei nostro nostra nostri sul
    sulla alla allo nei negli dei degli questo quella
    faccio questo questa quello quella anche gia piu ancora ciao grazie buongiorno salve
    chiave chiavi limite limiti spesa carta pagamento fattura fatture ricarica piano
    organizzazione membri ruoli utente utenti azienda creare aggiungere impostare trovo
    serve servono vorrei voglio bisogno registrazione configurare configurazione modello
    modelli area lavoro collega colleghi invitare eliminare cancellare
    tuo tua tuoi tue mie miei riassumi controlla mostra verifica segna risponde
"""
_ENGLISH_TEXT = """
    the an of to on for with is are do does did how what where when which who why can
    could should would my our your we you it this that there have has get set up add make
    hi hello thanks please card payment invoice plan organization
    members roles user users company create delete remove find need want
"""
_ITALIAN = frozenset(_ITALIAN_TEXT.split())
_ENGLISH = frozenset(_ENGLISH_TEXT.split())


def language_of(text: str) -> Language | None:
    """``"it"`` or ``"en"`` when the words say so, else None (too short or mixed)."""
    said = words(text)
    italian = sum(word in _ITALIAN for word in said)
    english = sum(word in _ENGLISH for word in said)
    if italian > english:
        return "it"
    if english > italian:
        return "en"
    return None


def from_locale(locale: str | None) -> Language | None:
    """Slack's user locale ("it-IT", "en-US") as one of our languages, if we speak it."""
    if not locale:
        return None
    prefix = locale.split("-")[0].lower()
    return "it" if prefix == "it" else "en" if prefix == "en" else None
