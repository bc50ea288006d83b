"""The catalogue of Estonian public document registers: data, not code.

Base addresses come from the register lists the existing aggregator uses; names are given
only where they are certain, otherwise the slug stands in until the first successful sync
reads the body's name from the register's own page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogueEntry:
    slug: str
    family: str
    base_url: str
    name: str = ""  # empty: not certain, the slug stands in

    @property
    def covered(self) -> bool:
        return self.family != "other"


def _adr(slug: str, base_url: str, name: str = "") -> CatalogueEntry:
    return CatalogueEntry(slug=slug, family="adr", base_url=base_url, name=name)


def _other(slug: str, base_url: str, name: str = "") -> CatalogueEntry:
    return CatalogueEntry(slug=slug, family="other", base_url=base_url, name=name)


ADR = "https://adr.rik.ee/"

CATALOGUE: tuple[CatalogueEntry, ...] = (
    _adr("jm", ADR + "jm/", "Justiits- ja Digiministeerium"),
    _adr("mkm", ADR + "mkm/", "Majandus- ja Kommunikatsiooniministeerium"),
    _adr("sisemin", "https://adr.siseministeerium.ee/sisemin/", "Siseministeerium"),
    _adr("kaitseministeerium", ADR + "kaitseministeerium/", "Kaitseministeerium"),
    _adr("kum", ADR + "kum/", "Kultuuriministeerium"),
    _adr("ram", ADR + "ram/"),
    _adr("som", ADR + "som/", "Sotsiaalministeerium"),
    _adr("okk", ADR + "okk/", "Õiguskantsleri Kantselei"),
    _adr("ska", ADR + "ska/", "Sotsiaalkindlustusamet"),
    _adr("aki", ADR + "aki/", "Andmekaitse Inspektsioon"),
    _adr("riigiprokuratuur", ADR + "riigiprokuratuur/", "Riigiprokuratuur"),
    _adr("pohjarp", ADR + "pohjarp/", "Põhja Ringkonnaprokuratuur"),
    _adr("laanerp", ADR + "laanerp/", "Lääne Ringkonnaprokuratuur"),
    _adr("lounarp", ADR + "lounarp/", "Lõuna Ringkonnaprokuratuur"),
    _adr("virurp", ADR + "virurp/", "Viru Ringkonnaprokuratuur"),
    _adr("rik", ADR + "rik/", "Registrite ja Infosüsteemide Keskus"),
    _adr("ria", ADR + "ria/", "Riigi Infosüsteemi Amet"),
    _adr("harjumk", ADR + "harjumk/", "Harju Maakohus"),
    _adr("virumk", ADR + "virumk/", "Viru Maakohus"),
    _adr("tartumk", ADR + "tartumk/", "Tartu Maakohus"),
    _adr("parnumk", ADR + "parnumk/", "Pärnu Maakohus"),
    _adr("tallinnahk", ADR + "tallinnahk/", "Tallinna Halduskohus"),
    _adr("tartuhk", ADR + "tartuhk/", "Tartu Halduskohus"),
    _adr("tallinnark", ADR + "tallinnark/", "Tallinna Ringkonnakohus"),
    _adr("tarturk", ADR + "tarturk/", "Tartu Ringkonnakohus"),
    _adr("rkik", ADR + "rkik/"),
    _adr("tja", ADR + "tja/", "Tarbijakaitse ja Tehnilise Järelevalve Amet"),
    _adr("ta", ADR + "ta/"),
    _adr("paa", "https://adr.rescue.ee/paa/", "Päästeamet"),
    _adr("mil", ADR + "mil/"),
    _adr("ppa", "https://adr.politsei.ee/ppa/", "Politsei- ja Piirivalveamet"),
    _adr("riigikohus", ADR + "riigikohus/", "Riigikohus"),
    _adr("pa", ADR + "pa/"),
    _adr("ka", ADR + "ka/"),
    _adr("tehik", ADR + "tehik/", "Tervise ja Heaolu Infosüsteemide Keskus"),
    _adr("mnt", ADR + "mnt/", "Maanteeamet"),
    _adr("transpordiamet", ADR + "transpordiamet/", "Transpordiamet"),
    _adr("rit", ADR + "rit/"),
    _adr("ekei", ADR + "ekei/", "Eesti Kohtuekspertiisi Instituut"),
    _adr("smit", "https://adr.smit.ee/smit/", "Siseministeeriumi infotehnoloogia- ja arenduskeskus"),
    # The Financial Intelligence Unit runs its register under the same path name as SMIT.
    _adr("fiu", "https://adr.fiu.ee/smit/", "Rahapesu Andmebüroo"),
    _adr("kl", ADR + "kl/", "Kaitseliit"),
    _adr("egt", ADR + "egt/"),
    _adr("ra", ADR + "ra/", "Rahvusarhiiv"),
    _adr("rtk", ADR + "rtk/", "Riigi Tugiteenuste Keskus"),
    _adr(
        "riigikaitseinvesteeringutekeskus",
        ADR + "riigikaitseinvesteeringutekeskus/",
        "Riigi Kaitseinvesteeringute Keskus",
    ),
    _adr("kaitsevagi", ADR + "kaitsevagi/", "Kaitsevägi"),
    CatalogueEntry("rmk", "rmk", "https://adr.rmk.ee/", "Riigimetsa Majandamise Keskus"),
    CatalogueEntry(
        "riigikantselei", "riigikantselei", "https://dhs.riigikantselei.ee/avalikteave.nsf/", "Riigikantselei"
    ),
    CatalogueEntry(
        "riigikogu", "riigikogu", "https://www.riigikogu.ee/tegevus/dokumendiregister/", "Riigikogu"
    ),
    CatalogueEntry("tallinn", "tallinn", "https://dhs.tallinn.ee/atp/", "Tallinna linn"),
    # Registers on platforms no connector covers yet: listed so users see the whole landscape.
    _other("envir", "https://adr.envir.ee/", "Kliimaministeerium"),
    _other("hm", "https://dok.hm.ee/et/index.html", "Haridus- ja Teadusministeerium"),
    _other(
        "pria", "https://dokumendiregister.pria.ee/et/", "Põllumajanduse Registrite ja Informatsiooni Amet"
    ),
    _other(
        "rahandusministeerium",
        "https://dokumendiregister.rahandusministeerium.ee/?a=stat",
        "Rahandusministeerium",
    ),
    _other("rmit", "https://adr.rmit.ee/?a=rmit", "Rahandusministeeriumi Infotehnoloogiakeskus"),
    _other("agri", "https://dhsavalik.agri.ee/"),
    _other(
        "tervisekassa",
        "https://adr.tervisekassa.ee/?page=pub_startup&desktop=57835&tid=57856",
        "Tervisekassa",
    ),
    _other("vm", "https://dok-register.vm.ee/", "Välisministeerium"),
    _other("tootukassa", "https://atp.tootukassa.ee/dokumendiotsing/", "Eesti Töötukassa"),
    _other(
        "riigikontroll",
        "https://www.riigikontroll.ee/Riigikontrollkuiasutus/Dokumendiregister/Dokumendiregistriotsing/"
        "tabid/258/language/et-EE/Default.aspx",
        "Riigikontroll",
    ),
    _other(
        "riigikantselei-otsing",
        "https://dhs.riigikantselei.ee/avalikteave.nsf/searchform?open",
        "Riigikantselei (otsinguvorm)",
    ),
)
