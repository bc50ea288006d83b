"""Estonian vocabulary the simulated registers draw from.

Real inflected forms (genitive before "kohta", partitive after "Vastus …-le") with õ ä ö ü š ž,
so search, the Estonian analyser and PDF text extraction meet the letters they meet in production.
Names are ordinary Estonian first names and surnames in invented pairs.
"""

from __future__ import annotations

# Bodies a corpus is made of when it is given a count instead of explicit specs:
# (slug, name, register title in the genitive, phone, e-mail).
BODIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("som", "Sotsiaalministeerium", "Sotsiaalministeeriumi", "626 9301", "info@sm.ee"),
    ("sisemin", "Siseministeerium", "Siseministeeriumi", "612 5008", "info@siseministeerium.ee"),
    ("jm", "Justiits- ja Digiministeerium", "Justiits- ja Digiministeeriumi", "620 8100", "info@just.ee"),
    ("kum", "Kultuuriministeerium", "Kultuuriministeeriumi", "628 2222", "min@kul.ee"),
    (
        "ska",
        "Sotsiaalkindlustusamet",
        "Sotsiaalkindlustusameti",
        "612 1360",
        "info@sotsiaalkindlustusamet.ee",
    ),
    ("aki", "Andmekaitse Inspektsioon", "Andmekaitse Inspektsiooni", "627 4135", "info@aki.ee"),
    ("paa", "Päästeamet", "Päästeameti", "628 2000", "rescue@rescue.ee"),
    ("ppa", "Politsei- ja Piirivalveamet", "Politsei- ja Piirivalveameti", "612 3000", "ppa@politsei.ee"),
    ("riigiprokuratuur", "Riigiprokuratuur", "Riigiprokuratuuri", "613 4400", "info@prokuratuur.ee"),
    (
        "tja",
        "Tarbijakaitse ja Tehnilise Järelevalve Amet",
        "Tarbijakaitse ja Tehnilise Järelevalve Ameti",
        "667 2000",
        "info@ttja.ee",
    ),
    ("okk", "Õiguskantsleri Kantselei", "Õiguskantsleri Kantselei", "693 8400", "info@oiguskantsler.ee"),
    ("tartumk", "Tartu Maakohus", "Tartu Maakohtu", "750 0600", "tartumk.info@kohus.ee"),
)

# Document types: (name, series key, weight, kind). Kind drives reference numbers and fields:
# "in" incoming letter, "out" outgoing letter, "contract", "order" (numbered act), "request".
DOC_TYPES: tuple[tuple[str, str, int, str], ...] = (
    ("Sissetulev kiri", "kiri", 30, "in"),
    ("Väljaminev kiri", "kiri", 22, "out"),
    ("Teabenõue", "teave", 8, "request"),
    ("Märgukiri", "teave", 4, "in"),
    ("Leping", "leping", 6, "contract"),
    ("Muu leping", "leping", 4, "contract"),
    ("Toetuse andmise leping", "leping", 3, "contract"),
    ("Tööleping", "personal", 3, "contract"),
    ("Käskkiri", "kaskkiri", 5, "order"),
    ("Ministri üldkäskkiri", "kaskkiri", 3, "order"),
    ("Personalikäskkiri", "personal", 4, "order"),
    ("Ministri määrus", "oigusakt", 2, "order"),
    ("Väikehange", "hange", 2, "contract"),
    ("Otsus", "kaskkiri", 2, "order"),
)

# Classification by series key: (function, series code, series title). "(AV)" and
# "(Arhiiviväärtuslik)" mark series of archival value, spelled both ways as registers do.
SERIES: dict[str, tuple[str, str, str]] = {
    "kiri": (
        "5.1 Tervisekaitse, haiguste ennetamise ja tervise edendamise korraldamine",
        "5.1-2",
        "Valdkonna poliitika kujundamise ja korraldamisega seotud kirjavahetus (Arhiiviväärtuslik)",
    ),
    "eli": (
        "5 EL otsustusprotsess ja rahvusvaheline koostöö",
        "5-4",
        "EL otsustusprotsessi ja rahvusvahelise koostööga seotud kirjavahetus (AV)",
    ),
    "teave": (
        "1.5 Asjaajamine. Info- ja kommunikatsioonitehnoloogia arendus ja haldus",
        "1.5-1.1",
        "Teabenõuded, märgukirjad, selgitustaotlused",
    ),
    "leping": ("4 Finantsjuhtimine ja hanked", "4-1", "Lepingud ja nendega seotud kirjavahetus (AV)"),
    "hange": ("4 Finantsjuhtimine ja hanked", "4-2", "Riigihangete ja väikehangete dokumendid"),
    "personal": ("3 Personalitöö", "3-1", "Personalikäskkirjad ja töölepingud"),
    "kaskkiri": ("1 Üldjuhtimine", "1-2", "Üldkäskkirjad ja otsused (AV)"),
    "oigusakt": ("1 Üldjuhtimine", "1-1", "Õigusaktide eelnõud ja kooskõlastused (AV)"),
}

# Topics in the genitive, ready for "… kohta", "… muutmine", "… korraldamine".
TOPICS: tuple[str, ...] = (
    "isikuandmete töötlemise",
    "ravimite hüvitamise",
    "hooldekodude järelevalve",
    "rahvastikuregistri andmete",
    "kohaliku omavalitsuse toetuse",
    "välisvahendite kasutamise",
    "tööõnnetuste ennetamise",
    "küberturvalisuse nõuete",
    "päästetööde korraldamise",
    "elukoha registreerimise",
    "õigusabi kättesaadavuse",
    "perehüvitiste maksmise",
    "vanemahüvitise arvestamise",
    "tervise infosüsteemi andmekoosseisu",
    "šokolaaditööstuse toiduohutuse",
    "žürii liikmete nimetamise",
    "koolitervishoiu teenuse",
    "sõidukite registreerimise",
)

INCOMING_TITLES: tuple[str, ...] = (
    "Pöördumine",
    "Pöördumise edastamine",
    "Arvamuse edastamine eelnõu kohta",
    "Teabenõue {topic} kohta",
    "Märgukiri {topic} kohta",
    "Eelnõu kooskõlastus",
    "Taotlus",
    "Ettepanek {topic} kohta",
    "Selgitustaotlus {topic} kohta",
    "Küsimused {topic} kohta",
)

OUTGOING_TITLES: tuple[str, ...] = (
    "Vastus pöördumisele",
    "Vastus märgukirjale",
    "Vastus teabenõudele",
    "Arvamuse avaldamine eelnõu kohta",
    "Eelnõu esitamine kooskõlastamiseks",
    "Teabe edastamine {topic} kohta",
    "Kutse ümarlauale {topic} teemal",
)

CONTRACT_TITLES: tuple[str, ...] = (
    "Leping {topic} analüüsi koostamiseks",
    "Koostööleping",
    "Lepingu muutmine",
    "Hankeleping {topic} teenuse osutamiseks",
    "Toetuse kasutamise leping",
)

ORDER_TITLES: tuple[str, ...] = (
    "Töörühma moodustamine {topic} küsimustes",
    "Käskkirja muutmine",
    "Komisjoni koosseisu kinnitamine",
    "{Topic} korra kinnitamine",
    "Ministri määruse muutmine seoses {topic} nõuetega",
)

PARAGRAPHS: tuple[str, ...] = (
    "Täname Teid pöördumise eest, milles tõstatasite küsimuse {topic} kohta.",
    "Ministeerium on küsimust analüüsinud ning leiab, et kehtiv õigus võimaldab probleemi lahendada "
    "ilma täiendavate muudatusteta.",
    "Palume esitada täiendavad andmed hiljemalt kümne tööpäeva jooksul, et saaksime taotluse "
    "läbivaatamist jätkata.",
    "Eelnõu eesmärk on ühtlustada {topic} praktikat ning vähendada asutuste halduskoormust.",
    "Juhime tähelepanu, et avaliku teabe seaduse kohaselt tuleb teabenõudele vastata viie tööpäeva jooksul.",
    "Lisaks märgime, et õiguskantsler on samas küsimuses varem seisukoha võtnud.",
    "Küsimuste korral palume pöörduda dokumendis nimetatud kontaktisiku poole.",
    "Öösiti tehtavad hooldustööd ei mõjuta teenuse kättesaadavust, kuid võivad põhjustada lühiajalisi katkestusi.",
)

# Other parties: public bodies and companies appear by name, private persons only by initials.
ORGANISATIONS: tuple[str, ...] = (
    "Terviseamet",
    "Tervisekassa",
    "Riigikogu",
    "Õiguskantsler",
    "Haridus- ja Teadusministeerium",
    "Välisministeerium",
    "Rahandusministeerium",
    "Tallinna Linnavalitsus",
    "Tapa Vallavalitsus",
    "Tartu Ülikool",
    "Eesti Linnade ja Valdade Liit",
    "Eesti Pensionäride Ühenduste Liit",
)
COMPANIES: tuple[str, ...] = (
    "Advokaadibüroo LEVIN OÜ",
    "AS Tallinna Vesi",
    "Põhjatähe Konsultatsioonid OÜ",
    "MTÜ Idee",
    "Eesti Apteekrite Liit",
    "Šveitsi Kvaliteet OÜ",
    "Õunaaia Arendus OÜ",
)
INITIALS: str = "AEHIJKLMPRSTÜV"

CHANNELS: tuple[str, ...] = ("e-post", "DVK", "post", "Riigiportaal eesti.ee")

FIRST_NAMES: tuple[str, ...] = (
    "Anniki", "Marilin", "Kadri", "Jüri", "Tõnu", "Mari-Liis", "Ülle", "Priit", "Žanna", "Siiri",
    "Mihkel", "Kätlin", "Andres", "Õie", "Rasmus", "Triin",
)  # fmt: skip
SURNAMES: tuple[str, ...] = (
    "Lai", "Reintamm", "Õunapuu", "Sepp", "Kask", "Männik", "Pärn", "Tšernov", "Kuusk", "Rebane",
    "Tamm", "Saar", "Mägi", "Ilves", "Kõiv", "Lepik",
)  # fmt: skip
UNITS: tuple[str, ...] = (
    "Kantsleri vastutusvaldkond, Terviseala asekantsleri vastutusvaldkond",
    "Kantsleri vastutusvaldkond, Õigusosakond",
    "Kantsleri vastutusvaldkond, Üldosakond, Dokumendihalduse talitus",
    "Kantsleri vastutusvaldkond, Välissuhete osakond",
    "Kantsleri vastutusvaldkond, Eelarve- ja finantsosakond",
)

RESTRICTION_BASES: tuple[str, ...] = (
    "AvTS § 35 lg 1 p 12",
    "AvTS § 35 lg 1 p 12",
    "AvTS § 35 lg 1 p 12",
    "AvTS § 35 lg 2 p 2",
    "AvTS § 35 lg 1 p 17",
    "AvTS § 35 lg 1 p 2",
)
