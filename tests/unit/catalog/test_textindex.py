"""The text index's merge join over sorted postings, with postings in memory (no AWS)."""

from __future__ import annotations

from chalicelib.catalog import textindex


class Postings:
    """term -> sorted doc ids, read in pages as DynamoDB would; counts what each query read."""

    def __init__(self, lists: dict[str, list[str]], page: int = 4) -> None:
        self.lists = {t: sorted(ids) for t, ids in lists.items()}
        self.page = page
        self.read = 0
        self.queries = 0

    def __call__(self, scope: str, term: str, after: str | None) -> tuple[list[str], bool]:
        rest = [d for d in self.lists.get(term, []) if after is None or d > after]
        self.queries += 1
        self.read += len(rest[: self.page])
        return rest[: self.page], len(rest) <= self.page


def run(postings: Postings, terms: list[str], limit: int, verify=lambda d: True) -> list[list[str]]:
    pages: list[list[str]] = []
    after = None
    for _ in range(100):
        page = textindex.search(
            "s",
            terms,
            after=after,
            limit=limit,
            fetch=lambda ids: {d: d for d in ids},
            verify=verify,
            read_postings=postings,
        )
        pages.append(page.docs)
        after = page.next_after
        if after is None:
            return pages
    raise AssertionError("never ended")


def ids(n: int, step: int = 1) -> list[str]:
    return [f"d{i:05d}" for i in range(0, n, step)]


def test_a_rare_term_bounds_the_reads_whatever_the_common_one_holds() -> None:
    postings = Postings({"common": ids(10_000), "rare": ["d04242"]}, page=200)
    assert run(postings, ["common", "rare"], 20) == [["d04242"]]
    assert postings.queries == 2 and postings.read == 201


def test_pages_walk_the_intersection_in_order_exactly_once() -> None:
    postings = Postings({"a": ids(200, 2), "b": ids(200, 3)}, page=7)
    pages = run(postings, ["a", "b"], 5)
    flat = [d for p in pages for d in p]
    assert flat == ids(200, 6)
    assert all(len(p) <= 5 for p in pages)


def test_verification_drops_candidates_and_no_term_means_nothing() -> None:
    postings = Postings({"a": ids(30)}, page=10)
    pages = run(postings, ["a"], 50, verify=lambda d: d.endswith("7"))
    assert [d for p in pages for d in p] == ["d00007", "d00017", "d00027"]
    assert run(postings, ["missing"], 5) == [[]]
    empty: textindex.SearchPage[str] = textindex.search(
        "s", [], after=None, limit=5, fetch=lambda i: {}, verify=bool, read_postings=postings
    )
    assert empty.docs == [] and empty.next_after is None


def test_reads_per_page_are_bounded_when_the_terms_rarely_meet() -> None:
    never_both = ids(100_000, 2)
    postings = Postings({"a": never_both, "b": [f"{d}x" for d in never_both]})
    page = textindex.search(
        "s", ["a", "b"], after=None, limit=10, fetch=lambda i: {d: d for d in i}, verify=bool, read_postings=postings
    )
    assert page.docs == [] and page.next_after is not None
    assert postings.read <= textindex.MAX_ROUNDS * 2 * postings.page
