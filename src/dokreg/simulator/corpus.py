"""A deterministic corpus of register documents: the data behind every simulated register.

The same `CorpusConfig` always yields the same documents (and so byte-identical pages), which is
what lets the demo, the tests and the benchmarks share one source. Each body gets its own random
stream, so adding a body never changes another body's documents.

Tests change documents the way real sources do — a metadata edit, a restriction added later, a
withdrawal — through `mutate` and `withdraw`.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dokreg.errors import BadInput, NotFoundAtSource
from dokreg.simulator import wordlists as words

FILE_MODES = ("asice", "pdf", "none", "mix")
# The kinds a "mix" corpus serves (simulator/kinds.py builds them) and the file extension of each.
FILE_KINDS = {
    "asice": "asice",
    "pdf": "pdf",
    "docx": "docx",
    "eml": "eml",
    "ddoc": "ddoc",
    "zip": "zip",
    "scan": "pdf",
}
# Roughly what ministries' registers publish: signed containers and PDFs first, then Word files,
# saved e-mails, scans of paper letters, and the odd legacy DigiDoc or ZIP.
DEFAULT_FILE_MIX: tuple[tuple[str, int], ...] = (
    ("asice", 35),
    ("pdf", 25),
    ("docx", 12),
    ("eml", 10),
    ("scan", 8),
    ("ddoc", 5),
    ("zip", 5),
)
# A search shows at most 100 rows; days are generated so that one (access, type) slice stays
# below this, which keeps a big day splittable the way a real busy day is.
SLICE_LIMIT = 90
PUBLIC = "Avalik"
RESTRICTED = "AK"
CHANGE_BASIS = "AvTS-i § 40 lg 1 alusel tähtaega pikendatakse"
RELATION_KINDS = ("alusdokument", "vastusdokument", "seotud dokument")
# How a relation reads from the other document's page.
REVERSE_KIND = {"alusdokument": "vastusdokument", "vastusdokument": "alusdokument"}


@dataclass(frozen=True)
class BodySpec:
    slug: str
    name: str
    genitive: str = ""  # "Sotsiaalministeeriumi" for the register's title; derived when empty
    phone: str = "600 0000"
    email: str = ""

    @property
    def register_title(self) -> str:
        genitive = self.genitive or (self.name if self.name[-1] in "aeiouõäöü" else self.name + "i")
        return f"{genitive} avalik dokumendiregister"


@dataclass(frozen=True)
class CorpusConfig:
    bodies: tuple[BodySpec, ...] | int = 3
    days: int = 10
    start: date = date(2025, 12, 1)
    docs_per_day: int = 20
    big_day_every: int = 4  # every n-th day has 130-250 documents; 0 turns big days off
    ak_share: float = 0.25
    relation_share: float = 0.3
    seed: int = 1
    # "asice" signed containers, "pdf" bare PDFs (cheap), "none" no files at all, "mix" every kind
    # in `file_mix` (kind, weight); the mix costs more to serve (DOCX, scans) and to extract.
    files: str = "asice"
    file_mix: tuple[tuple[str, int], ...] = DEFAULT_FILE_MIX
    # Every text field, file name and file text carries personal codes in every spelling, markup,
    # javascript: links, control characters and RTL overrides (simulator/hostile.py).
    hostile: bool = False

    def body_specs(self) -> tuple[BodySpec, ...]:
        if not isinstance(self.bodies, int):
            return tuple(self.bodies)
        known = [
            BodySpec(slug, name, genitive, phone, email)
            for slug, name, genitive, phone, email in words.BODIES
        ]
        extra = [BodySpec(f"asutus{n}", f"Näidisasutus {n}") for n in range(len(known) + 1, self.bodies + 1)]
        return tuple((known + extra)[: self.bodies])

    def validate(self) -> None:
        specs = self.body_specs()
        problems = []
        if not specs:
            problems.append("at least one body is needed")
        if len({spec.slug for spec in specs}) != len(specs):
            problems.append("body slugs must be unique")
        if self.days < 1:
            problems.append("days must be at least 1")
        if self.docs_per_day < 0:
            problems.append("docs_per_day cannot be negative")
        if not 0 <= self.ak_share <= 1 or not 0 <= self.relation_share <= 1:
            problems.append("ak_share and relation_share are shares between 0 and 1")
        if self.files not in FILE_MODES:
            problems.append(f"files must be one of {', '.join(FILE_MODES)}")
        if self.files == "mix":
            problems.extend(_file_mix_problems(self.file_mix))
        if problems:
            raise BadInput(f"simulator corpus config: {'; '.join(problems)}")


def _file_mix_problems(mix: tuple[tuple[str, int], ...]) -> list[str]:
    if not all(isinstance(pair, tuple | list) and len(pair) == 2 for pair in mix):
        return ["file_mix is a sequence of (kind, weight) pairs"]
    unknown = sorted({kind for kind, _ in mix} - set(FILE_KINDS))
    problems = [f"unknown file kind(s) in file_mix: {', '.join(unknown)}"] if unknown else []
    if any(weight < 0 for _, weight in mix) or sum(weight for _, weight in mix) <= 0:
        problems.append("file_mix weights must be non-negative with a positive sum")
    return problems


@dataclass(frozen=True)
class DocType:
    name: str
    type_id: int
    series_key: str
    kind: str


@dataclass(frozen=True)
class SimFile:
    file_id: int
    name: str
    kind: str  # a key of FILE_KINDS: "asice", "pdf", "docx", "eml", "ddoc", "zip" or "scan"


@dataclass(frozen=True)
class SimRelation:
    kind: str
    target_id: int


@dataclass(frozen=True)
class SimDocument:
    id: int
    body: str
    reference: str
    registered: date
    doc_type: str
    type_id: int
    title: str
    function: str
    series: str
    case_file: str
    access: str = PUBLIC
    restriction_basis: str = ""
    restriction_change_basis: str = ""
    restriction_begins: date | None = None
    restriction_ends: date | None = None
    sender_reference: str = ""
    correspondent: str = ""
    channel: str = ""
    responsible: str = ""
    due_date: date | None = None
    sent_at: datetime | None = None
    files: tuple[SimFile, ...] = ()
    relations: tuple[SimRelation, ...] = ()
    paragraphs: tuple[str, ...] = ()

    @property
    def is_public(self) -> bool:
        return self.access == PUBLIC

    @property
    def listed_files(self) -> tuple[SimFile, ...]:
        """Files the register shows: none for restricted documents, as ADR does."""
        return self.files if self.is_public else ()


MUTABLE_FIELDS = frozenset(f.name for f in dataclasses.fields(SimDocument)) - {"id", "body"}


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class _Matter:
    """An open matter (the part of a reference before "-N") that later documents can join."""

    root: str
    function: str
    series: str
    correspondent: str
    topic: str
    last_id: int
    last_kind: str
    count: int = 1


@dataclass
class _BodyState:
    docs: dict[int, SimDocument] = field(default_factory=dict)
    by_day: dict[date, list[int]] = field(default_factory=dict)
    withdrawn: set[int] = field(default_factory=set)
    file_owner: dict[int, int] = field(default_factory=dict)
    incoming: dict[int, list[tuple[str, int]]] = field(default_factory=dict)


class Corpus:
    def __init__(self, config: CorpusConfig | None = None):
        self.config = config or CorpusConfig()
        self.config.validate()
        self.bodies = self.config.body_specs()
        self._lock = threading.RLock()
        self._types: dict[str, tuple[DocType, ...]] = {}
        self._state: dict[str, _BodyState] = {}
        for index, spec in enumerate(self.bodies):
            self._types[spec.slug] = _doc_types(spec, random.Random(f"{self.config.seed}:{spec.slug}:types"))
            self._state[spec.slug] = _BodyBuilder(self.config, spec, index, self._types[spec.slug]).build()
        if self.config.hostile:
            self._make_hostile()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Corpus):
            return NotImplemented
        return self.config == other.config and all(
            self.documents(spec.slug) == other.documents(spec.slug) for spec in self.bodies
        )

    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable

    def _make_hostile(self) -> None:
        from dokreg.simulator.hostile import HostileMaker, hostile_body

        self.bodies = tuple(hostile_body(spec, self.config.seed) for spec in self.bodies)
        maker = HostileMaker(self.config.seed)
        for slug, state in self._state.items():
            state.docs = {doc_id: maker.document(doc) for doc_id, doc in state.docs.items()}
            self._types[slug] = tuple(
                dataclasses.replace(t, name=maker.text(t.name)) for t in self._types[slug]
            )
            # A document's type is one of the register's types: the search form lists exactly those.
            names = {t.type_id: t.name for t in self._types[slug]}
            state.docs = {
                doc_id: dataclasses.replace(doc, doc_type=names.get(doc.type_id, doc.doc_type))
                for doc_id, doc in state.docs.items()
            }

    # -- reading -------------------------------------------------------------------------------

    def body(self, slug: str) -> BodySpec:
        for spec in self.bodies:
            if spec.slug == slug:
                return spec
        raise NotFoundAtSource(f"simulator: no body {slug!r}")

    def doc_types(self, slug: str) -> tuple[DocType, ...]:
        self.body(slug)
        return self._types[slug]

    def days(self) -> list[date]:
        return [self.config.start + timedelta(days=n) for n in range(self.config.days)]

    def documents(self, slug: str) -> list[SimDocument]:
        """Every document the register serves now (withdrawn ones excluded), oldest first."""
        state = self._body_state(slug)
        with self._lock:
            return [doc for doc_id, doc in sorted(state.docs.items()) if doc_id not in state.withdrawn]

    def document(self, slug: str, doc_id: int) -> SimDocument:
        state = self._body_state(slug)
        with self._lock:
            doc = state.docs.get(doc_id)
            if doc is None or doc_id in state.withdrawn:
                raise NotFoundAtSource(f"simulator: {slug} has no document {doc_id}")
            return doc

    def search(
        self,
        slug: str,
        day_from: date | None,
        day_to: date | None,
        access: str | None = None,
        type_ids: tuple[int, ...] | list[int] = (),
        title: str = "",
    ) -> list[SimDocument]:
        """All matching documents, newest first, uncapped (the page layer applies the 100 cap)."""
        state = self._body_state(slug)
        wanted_types = set(type_ids)
        needle = title.strip().casefold()
        with self._lock:
            days = [
                d
                for d in state.by_day
                if (day_from is None or d >= day_from) and (day_to is None or d <= day_to)
            ]
            ids = [doc_id for d in days for doc_id in state.by_day[d] if doc_id not in state.withdrawn]
            found = [
                doc
                for doc in (state.docs[doc_id] for doc_id in ids)
                if (not access or doc.access == access)
                and (not wanted_types or doc.type_id in wanted_types)
                and (not needle or needle in doc.title.casefold())
            ]
        return sorted(found, key=lambda doc: (doc.registered, doc.id), reverse=True)

    def related(self, slug: str, doc_id: int) -> list[tuple[str, SimDocument]]:
        """The "Seosed" rows: the document's own relations and those pointing at it, live only."""
        doc = self.document(slug, doc_id)
        state = self._body_state(slug)
        with self._lock:
            pairs = [(rel.kind, rel.target_id) for rel in doc.relations]
            pairs += [
                (REVERSE_KIND.get(kind, kind), source) for kind, source in state.incoming.get(doc_id, [])
            ]
            return [
                (kind, state.docs[target])
                for kind, target in pairs
                if target in state.docs and target not in state.withdrawn
            ]

    def file(self, slug: str, file_id: int) -> tuple[SimDocument, SimFile]:
        """A downloadable file; restricted and withdrawn documents serve none."""
        state = self._body_state(slug)
        owner = state.file_owner.get(file_id)
        if owner is None:
            raise NotFoundAtSource(f"simulator: {slug} has no file {file_id}")
        doc = self.document(slug, owner)
        for sim_file in doc.listed_files:
            if sim_file.file_id == file_id:
                return doc, sim_file
        raise NotFoundAtSource(f"simulator: file {file_id} of {slug} document {owner} is not public")

    def day_counts(self, slug: str) -> Counter[date]:
        return Counter(doc.registered for doc in self.documents(slug))

    # -- changing, as real sources do ----------------------------------------------------------

    def mutate(self, slug: str, doc_id: int, **changes: object) -> SimDocument:
        """Edit a document in place; restricting one without a basis gets the usual personal-data basis."""
        unknown = set(changes) - MUTABLE_FIELDS
        if unknown:
            raise BadInput(f"simulator: cannot change {', '.join(sorted(unknown))} of a document")
        state = self._body_state(slug)
        with self._lock:
            doc = self.document(slug, doc_id)
            if changes.get("access") == RESTRICTED and not doc.restriction_basis:
                changes.setdefault("restriction_basis", words.RESTRICTION_BASES[0])
                changes.setdefault("restriction_begins", doc.registered)
                changes.setdefault("restriction_ends", add_years(doc.registered, 5))
            if changes.get("access") == PUBLIC:
                for name in ("restriction_basis", "restriction_change_basis"):
                    changes.setdefault(name, "")
                changes.setdefault("restriction_begins", None)
                changes.setdefault("restriction_ends", None)
            changed = dataclasses.replace(doc, **changes)  # type: ignore[arg-type]
            state.docs[doc_id] = changed
            if changed.registered != doc.registered:
                state.by_day[doc.registered].remove(doc_id)
                state.by_day.setdefault(changed.registered, []).append(doc_id)
            return changed

    def withdraw(self, slug: str, doc_id: int) -> None:
        """The source removes the document: its page and files answer 404 from now on."""
        self.document(slug, doc_id)
        with self._lock:
            self._body_state(slug).withdrawn.add(doc_id)

    def _body_state(self, slug: str) -> _BodyState:
        self.body(slug)
        return self._state[slug]


def _doc_types(spec: BodySpec, rng: random.Random) -> tuple[DocType, ...]:
    """The body's document types with numeric ids, in a body-specific order like the real forms."""
    is_ministry = "ministeerium" in spec.name.casefold()
    chosen = [t for t in words.DOC_TYPES if is_ministry or not t[0].startswith("Ministri")]
    ids = rng.sample(range(4_900_000, 10_400_000), len(chosen))
    types = [
        DocType(name, type_id, series, kind)
        for (name, series, _, kind), type_id in zip(chosen, ids, strict=True)
    ]
    rng.shuffle(types)
    return tuple(types)


class _BodyBuilder:
    """Generates one body's documents day by day, keeping its running numbers and open matters."""

    def __init__(self, config: CorpusConfig, spec: BodySpec, index: int, types: tuple[DocType, ...]):
        self.config = config
        self.spec = spec
        self.types = types
        self.rng = random.Random(f"{config.seed}:{spec.slug}")
        self.next_id = 15_000_000 + index * 700_000 + self.rng.randint(0, 9_999)
        self.running = self.rng.randint(1_000, 3_000)
        self.act_number = self.rng.randint(10, 90)
        self.matters: list[_Matter] = []
        self.state = _BodyState()

    def build(self) -> _BodyState:
        for day_index in range(self.config.days):
            day = self.config.start + timedelta(days=day_index)
            for access, doc_type in self._plan_day(day_index):
                self._add(self._document(day, access, doc_type))
        return self.state

    def _plan_day(self, day_index: int) -> list[tuple[str, DocType]]:
        every = self.config.big_day_every
        if every and day_index % every == every - 1:
            count = self.rng.randint(130, 250)
        else:
            spread = max(1, self.config.docs_per_day // 4)
            count = max(0, self.config.docs_per_day + self.rng.randint(-spread, spread))
        weights = [next(w for n, _, w, _ in words.DOC_TYPES if n == t.name) for t in self.types]
        plan = [
            (
                RESTRICTED if self.rng.random() < self.config.ak_share else PUBLIC,
                self.rng.choices(self.types, weights)[0],
            )
            for _ in range(count)
        ]
        return _balance(plan, self.types)

    def _document(self, day: date, access: str, doc_type: DocType) -> SimDocument:
        rng = self.rng
        doc_id = self._take_id()
        topic = rng.choice(words.TOPICS)
        function, series_code, series_title = words.SERIES[
            "eli" if doc_type.series_key == "kiri" and rng.random() < 0.2 else doc_type.series_key
        ]
        series = f"{series_code} {series_title}"
        private = access == RESTRICTED and rng.random() < 0.7
        matter = self._joinable_matter(doc_type)
        relations: tuple[SimRelation, ...] = ()
        if matter is not None:
            matter.count += 1
            reference = f"{matter.root}-{matter.count}"
            correspondent, topic = matter.correspondent, matter.topic
            kind = (
                "alusdokument" if doc_type.kind == "out" and matter.last_kind != "out" else "seotud dokument"
            )
            relations = (SimRelation(kind, matter.last_id),)
            matter.last_id, matter.last_kind = doc_id, doc_type.kind
            function, series, series_code = matter.function, matter.series, matter.root.split("/")[0]
        elif doc_type.kind == "order":
            self.act_number += 1
            reference, correspondent = str(self.act_number), ""
        else:
            self.running += 1
            reference = f"{series_code}/{self.running}-1"
            correspondent = self._party(private, doc_type.kind)
            root = f"{series_code}/{self.running}"
            self.matters.append(_Matter(root, function, series, correspondent, topic, doc_id, doc_type.kind))
            del self.matters[:-40]  # only recent matters get follow-ups
        title = self._title(doc_type, topic, reply=matter is not None)
        minutes = rng.randint(8 * 60, 17 * 60 + 59)
        restricted = access == RESTRICTED
        letter = doc_type.kind in ("in", "out", "request")
        return SimDocument(
            id=doc_id,
            body=self.spec.slug,
            reference=reference,
            registered=day,
            doc_type=doc_type.name,
            type_id=doc_type.type_id,
            title=title,
            function=function,
            series=series,
            case_file=f"{series_code}/{day.year}",
            access=access,
            restriction_basis=rng.choice(words.RESTRICTION_BASES) if restricted else "",
            restriction_change_basis=CHANGE_BASIS if restricted and rng.random() < 0.03 else "",
            restriction_begins=day if restricted else None,
            restriction_ends=add_years(day, 5) if restricted else None,
            sender_reference=self._sender_reference(doc_type, correspondent, private),
            correspondent=correspondent,
            channel=rng.choice(words.CHANNELS) if letter else "",
            responsible=self._responsible(),
            due_date=self._due_date(day, doc_type),
            sent_at=(
                datetime.combine(day, datetime.min.time()) + timedelta(minutes=minutes + rng.randint(5, 600))
            )
            if doc_type.kind == "out"
            else None,
            files=self._files(day, reference, doc_type, title),
            relations=relations,
            paragraphs=tuple(p.format(topic=topic) for p in rng.sample(words.PARAGRAPHS, rng.randint(3, 5))),
        )

    def _joinable_matter(self, doc_type: DocType) -> _Matter | None:
        if doc_type.kind not in ("in", "out", "request") or not self.matters:
            return None
        if self.rng.random() >= self.config.relation_share:
            return None
        return self.rng.choice(self.matters[-20:])

    def _party(self, private: bool, kind: str) -> str:
        if private:
            letters = self.rng.sample(words.INITIALS, self.rng.choice((2, 2, 2, 3)))
            return " ".join(f"{letter}." for letter in letters)
        pool = words.COMPANIES if kind == "contract" else words.ORGANISATIONS + words.COMPANIES
        return self.rng.choice(pool)

    def _title(self, doc_type: DocType, topic: str, reply: bool) -> str:
        pools = {
            "in": words.INCOMING_TITLES,
            "request": ("Teabenõue {topic} kohta", "Teabenõue"),
            "out": words.OUTGOING_TITLES[:3] if reply else words.OUTGOING_TITLES[3:],
            "contract": words.CONTRACT_TITLES,
            "order": words.ORDER_TITLES,
        }
        if doc_type.name == "Tööleping":
            return "Tööleping"
        template = self.rng.choice(pools[doc_type.kind])
        return template.format(topic=topic, Topic=topic[0].upper() + topic[1:])

    def _sender_reference(self, doc_type: DocType, correspondent: str, private: bool) -> str:
        if doc_type.kind not in ("in", "request") or private or not correspondent or self.rng.random() < 0.4:
            return ""
        return f"{self.rng.randint(1, 12)}-{self.rng.randint(1, 9)}/{self.rng.randint(100, 20_000)}"

    def _responsible(self) -> str:
        name = f"{self.rng.choice(words.FIRST_NAMES)} {self.rng.choice(words.SURNAMES)}"
        return f"{name} ({self.spec.name}, {self.rng.choice(words.UNITS)})"

    def _due_date(self, day: date, doc_type: DocType) -> date | None:
        if doc_type.kind == "request":
            return day + timedelta(days=7)  # five working days
        if doc_type.kind == "in" and self.rng.random() < 0.6:
            return day + timedelta(days=30)
        return None

    def _files(self, day: date, reference: str, doc_type: DocType, title: str) -> tuple[SimFile, ...]:
        """Files exist for every document; the page lists them only while the document is public."""
        if self.config.files == "none":
            return ()
        file_id = self._take_id()
        kind = self._file_kind(file_id)
        name = f"{reference.replace('/', '')} {day:%d.%m.%Y} {doc_type.name}.{FILE_KINDS[kind]}"
        files = [SimFile(file_id, name, kind)]
        if self.rng.random() < 0.3:
            files.append(SimFile(self._take_id(), "Lisa 1.pdf", "pdf"))
        return tuple(files)

    def _file_kind(self, file_id: int) -> str:
        if self.config.files != "mix":
            return self.config.files
        # A stream of its own, so a mix corpus has the same documents as an "asice" one.
        kinds, weights = zip(*self.config.file_mix, strict=True)
        return random.Random(f"{self.config.seed}:{self.spec.slug}:{file_id}:kind").choices(kinds, weights)[0]

    def _take_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def _add(self, doc: SimDocument) -> None:
        self.state.docs[doc.id] = doc
        self.state.by_day.setdefault(doc.registered, []).append(doc.id)
        for sim_file in doc.files:
            self.state.file_owner[sim_file.file_id] = doc.id
        for relation in doc.relations:
            self.state.incoming.setdefault(relation.target_id, []).append((relation.kind, doc.id))


def _balance(plan: list[tuple[str, DocType]], types: tuple[DocType, ...]) -> list[tuple[str, DocType]]:
    """Move documents out of any (access, type) slice over the limit into the smallest slice."""
    counts = Counter(plan)
    balanced = []
    for access, doc_type in plan:
        if counts[(access, doc_type)] > SLICE_LIMIT:
            counts[(access, doc_type)] -= 1
            doc_type = min(types, key=lambda t: counts[(access, t)])
            counts[(access, doc_type)] += 1
        balanced.append((access, doc_type))
    return balanced
