def test_home_needs_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_home_for_admin(client_for, world):
    response = client_for(world.admin).get("/")
    assert response.status_code == 200
    assert "东湖区重大重点项目工作台" in response.content.decode()
