"""What every page shares: the icon, the layout."""


def test_every_page_has_an_icon_and_browsers_that_guess_find_it(client, db):
    page = client.get("/login/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url == "/static/favicon.svg"
