"""The installable app's files: served without sign-in, with the types browsers require."""

from __future__ import annotations

from tests.factories import make_candidate, sign_in_candidate


async def test_manifest_is_served_as_a_web_app_manifest(client):
    response = await client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    purposes = {icon.get("purpose", "any") for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"}
    for icon in manifest["icons"]:
        png = await client.get(icon["src"])
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


async def test_service_worker_is_served_from_the_root_for_a_whole_site_scope(client):
    response = await client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["service-worker-allowed"] == "/"
    assert response.headers["cache-control"] == "no-cache"
    assert "caches.delete(PAGES)" in response.text  # sign-out empties the saved pages


async def test_favicon(client):
    response = await client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/x-icon"


async def test_every_candidate_page_links_the_manifest_and_a_deferred_script(client):
    await sign_in_candidate(client, await make_candidate())
    for path in ("/", "/learning", "/checklist", "/inbox", "/me", "/welcome"):
        page = (await client.get(path)).text
        assert '<link rel="manifest" href="/manifest.webmanifest">' in page, path
        assert '<script src="/static/js/app.js" defer></script>' in page, path
        assert '<meta name="theme-color"' in page, path


async def test_the_offline_banner_text_is_translated(client):
    await sign_in_candidate(client, await make_candidate())
    page = (await client.get("/")).text
    assert 'data-t-offline="你已离线' in page
