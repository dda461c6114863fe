import pytest


@pytest.mark.django_db
def test_register_then_me(api_client):
    r = api_client.post("/api/v1/auth/register/", {"username": "bob", "email": "bob@example.com", "password": "s3cret-Passw0rd!"}, format="json")
    assert r.status_code == 201, r.content
    access = r.json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200, me.content
    body = me.json()
    assert body["username"] == "bob" and body["level"] == 1 and body["coins"] == 0
    assert body["avatar"].startswith("http://testserver/static/shop/defaults/avatar")
