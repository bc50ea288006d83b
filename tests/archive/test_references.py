import pytest

from dokreg.archive.references import reference_root


@pytest.mark.parametrize(
    "reference, root",
    [
        ("5.1-2/3233-1", "5.1-2/3233"),
        ("5.1-2/3233-2", "5.1-2/3233"),
        ("1-6/3316-1", "1-6/3316"),
        ("11-3.1/5180-11", "11-3.1/5180"),
        ("3.1-7/25/21672-2", "3.1-7/25/21672"),
        ("2-1/2801", "2-1/2801"),  # a reply with the bare number belongs to the same matter
        ("95", ""),  # a directive's running number: no matter
        ("", ""),
    ],
)
def test_reference_root_names_the_matter(reference, root):
    assert reference_root(reference) == root
