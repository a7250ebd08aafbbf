import pytest


@pytest.fixture
def projects(world):
    from tests.projects.factories import project

    return [project(world, stage="construction", name=f"周报项目{i}") for i in range(3)]
