import pytest


@pytest.fixture
def register():
    """``register(actor, name, **fields)``: a customer through the real service."""
    from zhidu.customers.services.customers import customer_register

    def _register(actor, name, contact=None, **data):
        return customer_register(actor=actor, data={"name": name, **data}, contact=contact)

    return _register
