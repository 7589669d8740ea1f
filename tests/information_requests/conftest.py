from tests.cases.conftest import partnership, partnership_committed  # noqa: F401
