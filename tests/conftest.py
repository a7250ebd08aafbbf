import pytest


@pytest.fixture
def world(db):
    from tests.factories import build_world

    return build_world()


@pytest.fixture
def client_for(client):
    """Log a persona in: `client_for(world.admin)`."""

    def login(user):
        client.force_login(user)
        return client

    return login
