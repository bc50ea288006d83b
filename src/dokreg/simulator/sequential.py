"""What the simulated registers walked by sequential ids (RMK, Tallinn) share: public ids over one
body's documents, with holes, and each document's kind from the body's document types."""

from __future__ import annotations

from dokreg.errors import NotFoundAtSource
from dokreg.simulator.corpus import Corpus, SimDocument
from dokreg.simulator.files import FileMaker

# After this many documents one id is skipped: real sequential registers have holes (deleted drafts).
GAP_EVERY = 9


class SequentialIds:
    """Public sequential ids for one body's documents: ``first_id`` upwards, one skipped every ``gap_every``.

    Taken once from the documents served at construction; a document withdrawn later keeps its id
    (and answers "not found"), as a deleted record does at a real register.
    """

    def __init__(self, corpus: Corpus, slug: str, first_id: int, gap_every: int = GAP_EVERY):
        self._to_public: dict[int, int] = {}
        for index, doc in enumerate(corpus.documents(slug)):
            self._to_public[doc.id] = first_id + index + index // gap_every
        self._to_sim = {public: sim for sim, public in self._to_public.items()}

    def public_id(self, sim_id: int) -> int:
        return self._to_public[sim_id]

    def sim_id(self, public_id: int) -> int | None:
        return self._to_sim.get(public_id)

    def public_ids(self) -> list[int]:
        return sorted(self._to_sim)


class SequentialSite:
    """One body of a corpus served by sequential ids; the family's pages are the subclass's."""

    def __init__(self, corpus: Corpus, slug: str, files: FileMaker | None, first_id: int):
        self.corpus = corpus
        self.slug = slug
        self.body = corpus.body(slug)
        self.files = files or FileMaker(corpus.config.seed)
        self.ids = SequentialIds(corpus, slug, first_id)
        self._kinds = {t.type_id: t.kind for t in corpus.doc_types(slug)}

    def document(self, public_id: int) -> SimDocument:
        sim_id = self.ids.sim_id(public_id)
        if sim_id is None:
            raise NotFoundAtSource(f"simulator: {self.slug} has no document {public_id}")
        return self.corpus.document(self.slug, sim_id)

    def kind(self, doc: SimDocument) -> str:
        return self._kinds.get(doc.type_id, "in")
