import pytest

from zhidu.org.choices import Role
from zhidu.org.tests.factories import make_person


@pytest.fixture
def hr(org):
    """An HR clerk at the company: may view, create and edit people (default table)."""
    return make_person("hr_clerk", "何人事", org.company, Role.HR)


@pytest.fixture
def staff(org):
    """A staff member (administrator flag) without posts and without superuser rights."""
    return make_person("staff_admin", "施管理", is_staff=True)


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
