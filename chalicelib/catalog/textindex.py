"""A generic inverted index kept as items beside the documents it indexes (no search engine).

A document is (scope, doc id, terms): a store's product, later a merchant's mall product. Each term is
one posting item `IDX#<scope>#<term>` / `<doc id>`, written in the same TransactWriteItems (or seeding
batch) as the document, so postings sort by document id inside a term. A query intersects the postings
of its terms page by page (a merge join over sorted lists):

- every term's postings after the cursor are read in one bounded Query each (POSTINGS_PAGE items);
- a term whose list ended within the page is the rarest: its ids are the only candidates left;
- otherwise the lists are intersected up to the smallest last id they all cover, and the next round
  starts there; after MAX_ROUNDS rounds the page ends early with a cursor.

Candidates are then fetched (the caller's BatchGetItem) and verified on their text, so a query whose
postings are a superset (CJK bigrams of a 3+ character query) stays exact. Items read per page are
bounded by MAX_ROUNDS x terms x POSTINGS_PAGE + the page, whatever the scope's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pynamodb.attributes import UnicodeAttribute

from chalicelib.data.table import TableModel, Transaction

POSTINGS_PAGE = 200
MAX_ROUNDS = 3
# A document's postings travel in its product's transaction (DynamoDB allows 100 actions).
MAX_DOC_TERMS = 90

T = TypeVar("T")


class PostingItem(TableModel):
    ENTITY_TYPE = "SearchPosting"
    merchant_id = UnicodeAttribute()


def posting_pk(scope: str, term: str) -> str:
    return f"IDX#{scope}#{term}"


def postings(scope: str, merchant_id: str, doc_id: str, terms: Iterable[str]) -> list[PostingItem]:
    return [PostingItem(posting_pk(scope, t), doc_id, merchant_id=merchant_id) for t in sorted(set(terms))]


def write_changes(
    tx: Transaction, scope: str, merchant_id: str, doc_id: str, old_terms: set[str], new_terms: set[str]
) -> None:
    """Add to `tx` the postings a document gains (puts, idempotent) and loses (deletes)."""
    if len(new_terms) + len(old_terms - new_terms) > MAX_DOC_TERMS:
        raise ValueError(f"document {doc_id!r} has too many search terms to index in one transaction")
    for item in postings(scope, merchant_id, doc_id, new_terms - old_terms):
        tx.save(item)
    for item in postings(scope, merchant_id, doc_id, old_terms - new_terms):
        tx.delete(item)


@dataclass(frozen=True)
class SearchPage(Generic[T]):
    docs: list[T]
    next_after: str | None  # the doc id the next page starts after
    postings_read: int = 0


def _read_postings(scope: str, term: str, after: str | None) -> tuple[list[str], bool]:
    """(doc ids after `after`, ended): one Query of at most POSTINGS_PAGE postings."""
    start = {"pk": {"S": posting_pk(scope, term)}, "sk": {"S": after}} if after else None
    result = PostingItem.query(
        posting_pk(scope, term),
        consistent_read=True,
        page_size=POSTINGS_PAGE,
        last_evaluated_key=start,
        attributes_to_get=["sk"],
    )
    page = next(result.page_iter)
    ids = [raw["sk"]["S"] for raw in page.get("Items", [])]
    return ids, not result.page_iter.last_evaluated_key


def search(
    scope: str,
    terms: Sequence[str],
    *,
    after: str | None,
    limit: int,
    fetch: Callable[[list[str]], dict[str, T]],
    verify: Callable[[T], bool],
    read_postings: Callable[[str, str, str | None], tuple[list[str], bool]] = _read_postings,
) -> SearchPage[T]:
    """Up to `limit` documents holding every term and passing `verify`, in doc id order after `after`.
    `fetch` reads candidates by id (one BatchGetItem per round that has candidates)."""
    if not terms:
        return SearchPage([], None)
    found: list[T] = []
    read = 0
    position = after
    for _ in range(MAX_ROUNDS):
        lists = {t: read_postings(scope, t, position) for t in terms}
        read += sum(len(ids) for ids, _ in lists.values())
        ended = [t for t, (_, done) in lists.items() if done]
        covered = [ids[-1] for ids, done in lists.values() if not done and ids]
        bound = min(covered) if covered else None
        if ended:
            # The rarest list holds every candidate left; ids past `bound` are checked on the text.
            rarest = min(ended, key=lambda t: len(lists[t][0]))
            sets = [set(ids) for ids, _ in lists.values()]
            candidates = [d for d in lists[rarest][0] if (bound is not None and d > bound) or all(d in s for s in sets)]
        else:
            assert bound is not None
            sets = [set(ids) for ids, _ in lists.values()]
            candidates = sorted(d for d in sets[0] if d <= bound and all(d in s for s in sets[1:]))
        need = limit - len(found)
        taken = candidates[:need]
        if taken:
            docs = fetch(taken)
            found += [docs[d] for d in taken if d in docs and verify(docs[d])]
        if len(candidates) > need:
            return SearchPage(found, taken[-1], read)
        if ended:
            return SearchPage(found, None, read)
        position = bound
        if len(found) >= limit:
            return SearchPage(found, position, read)
    return SearchPage(found, position, read)
