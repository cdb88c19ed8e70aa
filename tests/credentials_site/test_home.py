"""The site's root and its icon: no debug page at /, no 404 for /favicon.ico on every page (walk-through, Polish)."""


def test_it_sends_a_visitor_at_the_root_to_the_verify_page(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/verify"
    assert client.get("/", follow=True).status_code == 200


def test_it_serves_the_icon_every_page_links(client, db):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon["Content-Type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert "max-age=86400" in icon["Cache-Control"]
    for page in ("/verify", "/admin/login/"):
        assert '<link rel="icon"' in client.get(page).content.decode() and 'href="/favicon.ico"' in client.get(page).content.decode()
